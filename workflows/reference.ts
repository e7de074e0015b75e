/**
 * referenceWorkflow: builds the reference set of the default NASNet space (search/reference.ts)
 * through the trial pool, so pause, resume, stop, setParallelism and the progress query work as
 * for a search, into a record of kind 'reference'. A training (architecture, protocol, seed) done
 * before by any run, or imported from a committed reference file, is reused, not retrained.
 */
import { referencePlan, type ReferenceRequest, type ReferenceTrial } from '../search/reference.ts';
import { validateReferenceRequest } from '../search/validate-request.ts';
import type { TrialState } from '../contracts/trial-state.ts';
import { orchestration } from './activities.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import { fixedPlanPoolOptions, runPlan } from './fixed-plan.ts';
import { TrialPool } from './trial-pool.ts';

export type { ReferenceRequest };

export interface ReferenceSummary {
  referenceId: string;
  status: 'finished' | 'stopped';
  counts: Partial<Record<TrialState, number>>;
}

export async function referenceWorkflow(request: ReferenceRequest): Promise<ReferenceSummary> {
  rejectInvalid(() => validateReferenceRequest(request));
  return failSearchOnError(request.referenceId, async () => {
    const waiting: ReferenceTrial[] = referencePlan(request);
    const pool = new TrialPool(fixedPlanPoolOptions<ReferenceTrial>(request.referenceId, waiting.length, request));
    await orchestration.recordSearch({
      searchId: request.referenceId,
      kind: 'reference',
      space: 'nasnet',
      strategy: 'uniform',
      seed: request.seed,
      trials: waiting.length,
      config: request,
    });
    await runPlan(pool, waiting);
    const status = pool.isStopping ? 'stopped' : 'finished';
    await orchestration.finishSearch({ searchId: request.referenceId, status });
    return { referenceId: request.referenceId, status, counts: pool.carry().counts };
  });
}
