/**
 * baselinesWorkflow: trains named hand-designed networks through the trial pool, like a search,
 * into a search record of kind 'baselines' whose id is derived from the protocol, so a baseline
 * is trained once per protocol.
 */
import type { BaselineEntry, BaselinesRequest } from '../search/request.ts';
import { validateBaselinesRequest } from '../search/validate-request.ts';
import type { TrialOutcome } from '../contracts/activities.ts';
import { orchestration } from './activities.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import { TrialPool, type PoolTrial } from './trial-pool.ts';

export type { BaselineEntry, BaselinesRequest };

/** Trains the entries; returns the outcomes of those started, in the entries' order. */
export async function baselinesWorkflow(request: BaselinesRequest): Promise<TrialOutcome[]> {
  rejectInvalid(() => validateBaselinesRequest(request));
  return failSearchOnError(request.searchId, async () => {
    const pool = new TrialPool<PoolTrial>({
      searchId: request.searchId,
      trials: request.entries.length,
      parallel: request.parallel,
      budget: request.budget,
      reward: { objective: 'accuracy' },
      finalFidelity: 0,
      input: request.input,
      classes: request.classes,
      trainerTaskQueue: request.trainerTaskQueue,
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
    const waiting = [...request.entries];
    const outcomes = new Map<number, TrialOutcome>();
    await pool.run({
      next: () => {
        const entry = waiting.shift();
        if (!entry) return null;
        return {
          trialIndex: entry.index,
          architecture: entry.architecture,
          protocol: request.protocol,
          fidelity: 0,
          baselineName: entry.name,
        };
      },
      finished: () => waiting.length === 0,
      mayRelease: () => true,
      release: ({ trial, outcome }) => outcomes.set(trial.trialIndex, outcome),
    });
    await orchestration.finishSearch({ searchId: request.searchId, status: pool.isStopping ? 'stopped' : 'finished' });
    return request.entries.flatMap((entry) => outcomes.get(entry.index) ?? []);
  });
}
