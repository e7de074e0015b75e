/**
 * baselinesWorkflow: trains named hand-designed networks through the same
 * trial path as a search, into a search record of kind 'baselines' whose id
 * is derived from the protocol, so a baseline is trained once per protocol.
 */
import type { Architecture, InputShape } from '../cells/types';
import type { TrainingProtocol } from '../search/protocol';
import type { CostBudget } from '../search/request';
import type { TrialOutcome } from '../workers/activities/types';
import { orchestration } from './activities';
import { runTrial } from './trial';

export interface BaselineEntry {
  /** Stable position in the baseline registry: the trial index, so reruns hit the same rows. */
  index: number;
  name: string;
  architecture: Architecture;
}

export interface BaselinesRequest {
  searchId: string;
  entries: BaselineEntry[];
  protocol: TrainingProtocol;
  parallel: number;
  budget: CostBudget;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
}

export async function baselinesWorkflow(request: BaselinesRequest): Promise<TrialOutcome[]> {
  await orchestration.recordSearch({
    searchId: request.searchId,
    kind: 'baselines',
    space: 'baselines',
    strategy: 'fixed',
    seed: request.protocol.seed,
    trials: request.entries.length,
    config: request,
  });
  const outcomes = await inParallel(request.entries, request.parallel, (entry) =>
    runTrial({
      searchId: request.searchId,
      trialIndex: entry.index,
      architecture: entry.architecture,
      baselineName: entry.name,
      protocol: request.protocol,
      fidelity: 0,
      budget: request.budget,
      input: request.input,
      classes: request.classes,
      trainerTaskQueue: request.trainerTaskQueue,
    }),
  );
  await orchestration.finishSearch({ searchId: request.searchId, status: 'finished' });
  return outcomes;
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function inParallel<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
