/** One candidate from proposal to terminal state: record, reuse or reject, train, settle. */
import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { architectureHash } from '../cells/index.ts';
import type { Architecture, InputShape } from '../contracts/genotypes.ts';
import { protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import type { CostBudget } from '../search/request.ts';
import { trialIdOf } from '../contracts/trial-id.ts';
import type { TrialRole } from '../contracts/trial-role.ts';
import type { StrategySummary, TrialOutcome } from '../contracts/activities.ts';
import { localOrchestration, orchestration, trainers } from './activities.ts';

/** Patch id: prepareTrial became a local activity; histories from before replay it as a scheduled one. */
const PREPARE_TRIAL_LOCALLY = 'prepare-trial-locally';

/** One training a workflow asks for. */
export interface PoolTrial {
  trialIndex: number;
  architecture: Architecture;
  protocol: TrainingProtocol;
  fidelity: number;
  baselineName?: string;
  /** Default: 'baseline' with a baselineName, else 'search'. */
  role?: TrialRole;
  /** The repeat's training seed; default protocol.seed. */
  seed?: number;
  /** The proposing strategy's summary right after it proposed this candidate. */
  strategySummary?: StrategySummary;
}

/** A pool trial with what its run adds. */
export interface TrialPlan extends PoolTrial {
  searchId: string;
  /** Keep the trained weights if the training succeeds (final and baseline trials keep them anyway). */
  keepWeights?: boolean;
  budget: CostBudget;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
}

export { trialIdOf };

export async function runTrial(plan: TrialPlan): Promise<TrialOutcome> {
  const trialId = trialIdOf(plan.searchId, plan.trialIndex);
  const archHash = architectureHash(plan.architecture);
  const pHash = protocolHash(plan.protocol);
  try {
    const prepare = patched(PREPARE_TRIAL_LOCALLY) ? localOrchestration.prepareTrial : orchestration.prepareTrial;
    // A stop does not cancel this short database step (the training after it is cancelled at once):
    // cancelling the local activity while its workflow task was being retried failed every later
    // task with "Invalid transition in state machine", and the search never stopped.
    const prepared = await CancellationScope.nonCancellable(() =>
      prepare({
        trialId,
        searchId: plan.searchId,
        trialIndex: plan.trialIndex,
        architecture: plan.architecture,
        archHash,
        protocol: plan.protocol,
        protocolHash: pHash,
        fidelity: plan.fidelity,
        baselineName: plan.baselineName,
        role: plan.role ?? (plan.baselineName ? 'baseline' : 'search'),
        seed: plan.seed ?? plan.protocol.seed,
        strategySummary: plan.strategySummary,
        budget: plan.budget,
        input: plan.input,
        classes: plan.classes,
      }),
    );
    if (prepared.action === 'settled') return prepared.outcome;
    const result = await trainers(plan.trainerTaskQueue).trainTrial({
      trialId,
      searchId: plan.searchId,
      trialIndex: plan.trialIndex,
      architecture: plan.architecture,
      archHash,
      protocol: plan.protocol,
      protocolHash: pHash,
      seed: plan.seed ?? plan.protocol.seed,
      ...(plan.budget.maxLatencyMs !== undefined && { maxLatencyMs: plan.budget.maxLatencyMs }),
      ...(plan.keepWeights && { keepWeights: true }),
    });
    return {
      trialId,
      status: result.status,
      valAccuracy: result.valAccuracy,
      testAccuracy: result.testAccuracy,
      params: result.params,
      flops: result.flops,
      error: result.error ?? null,
      latencyMs: result.latency?.ms ?? null,
    };
  } catch (err) {
    const cancelled = isCancellation(err);
    return await CancellationScope.nonCancellable(() =>
      orchestration.settleTrial({ trialId, status: cancelled ? 'cancelled' : 'failed', error: failureText(err) }),
    );
  }
}

/** The innermost message of a Temporal failure chain: the error the trainer actually raised. */
function failureText(err: unknown): string {
  const messages: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    messages.push(current.message);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return messages.filter((m) => m.length > 0).pop() ?? String(err);
}
