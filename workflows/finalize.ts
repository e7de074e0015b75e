/**
 * finalizeWorkflow: the final evaluation of a search. It takes the search's best `top` candidates
 * (its leaderboard's order: its own metric at its final fidelity) and the chosen baselines, and
 * trains each `repeats` times under the final protocol through the trial pool (so pause, resume,
 * stop, setParallelism and the progress query work as for a search), into a record of kind
 * 'final'. A triple (architecture, protocol, seed) trained before, by any run, is reused.
 */
import { finalPlan, plannedFinalTrials, type FinalizeRequest } from '../search/final.ts';
import { validateFinalizeRequest } from '../search/validate-request.ts';
import type { TrialState } from '../contracts/trial-state.ts';
import { orchestration } from './activities.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import { fixedPlanPoolOptions, runPlan } from './fixed-plan.ts';
import { TrialPool, type PoolTrial } from './trial-pool.ts';

export type { FinalizeRequest };

export interface FinalizeSummary {
  finalId: string;
  searchId: string;
  status: 'finished' | 'stopped';
  /** Candidates the search had to give (at most `top`). */
  candidates: number;
  counts: Partial<Record<TrialState, number>>;
}

export async function finalizeWorkflow(request: FinalizeRequest): Promise<FinalizeSummary> {
  rejectInvalid(() => validateFinalizeRequest(request));
  return failSearchOnError(request.finalId, async () => {
    // The pool first, so that its signals and progress query answer from the start; it counts
    // the planned trainings until the candidates are known, then the ones there are.
    const options = fixedPlanPoolOptions<PoolTrial>(request.finalId, plannedFinalTrials(request), request);
    const pool = new TrialPool<PoolTrial>(options);
    await orchestration.recordSearch({
      searchId: request.finalId,
      kind: 'final',
      space: 'final',
      strategy: 'fixed',
      seed: request.protocol.seed,
      trials: plannedFinalTrials(request),
      config: request,
    });
    const candidates = await orchestration.finalCandidates({ searchId: request.searchId, top: request.top });
    const waiting: PoolTrial[] = finalPlan(request, candidates);
    options.trials = waiting.length;
    await runPlan(pool, waiting);
    const status = pool.isStopping ? 'stopped' : 'finished';
    await orchestration.finishSearch({ searchId: request.finalId, status });
    return {
      finalId: request.finalId,
      searchId: request.searchId,
      status,
      candidates: candidates.length,
      counts: pool.carry().counts,
    };
  });
}
