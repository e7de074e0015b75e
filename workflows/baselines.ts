/**
 * baselinesWorkflow: trains named hand-designed networks through the same
 * trial path as a search, into a search record of kind 'baselines' whose id
 * is derived from the protocol, so a baseline is trained once per protocol.
 */
import type { Architecture, InputShape } from '../cells/types';
import type { TrainingProtocol } from '../search/protocol';
import type { CostBudget } from '../search/request';
import type { TrialOutcome } from '../workers/activities/types';
import { CancellationScope, setHandler } from '@temporalio/workflow';
import { orchestration } from './activities';
import { stopSignal } from './signals';
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

/** Trains the entries; the stop signal cancels running trainings and starts no more. */
export async function baselinesWorkflow(request: BaselinesRequest): Promise<TrialOutcome[]> {
  let stopping = false;
  const trainingScope = new CancellationScope();
  setHandler(stopSignal, () => {
    stopping = true;
    trainingScope.cancel();
  });
  await orchestration.recordSearch({
    searchId: request.searchId,
    kind: 'baselines',
    space: 'baselines',
    strategy: 'fixed',
    seed: request.protocol.seed,
    trials: request.entries.length,
    config: request,
  });
  const outcomes = await inParallel(
    request.entries,
    request.parallel,
    (entry) =>
      trainingScope.run(() =>
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
      ),
    () => stopping,
  );
  await orchestration.finishSearch({ searchId: request.searchId, status: stopping ? 'stopped' : 'finished' });
  return outcomes;
}

/**
 * Runs `task` over `items` with at most `limit` in flight, taking no new item once `stop()` holds;
 * results keep the items' order, without the items never started.
 */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const started: boolean[] = new Array(items.length).fill(false);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const i = next++;
      started[i] = true;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results.filter((_, i) => started[i]);
}
