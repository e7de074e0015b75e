/**
 * The two phases of a weight-sharing search as activities on the trainer: train the shared network
 * for a range of steps, score architectures with it. The shared weights and their momentum live in
 * a checkpoint file on the trainer, `<sharingDir>/<searchId>.nasshar`, never in a payload: a retried
 * attempt (a trainer killed or cancelled mid-phase) resumes at the step the file reached, and a
 * phase that already finished trains nothing. A retry must reach a trainer that sees the file (this
 * machine, or a shared directory).
 */
import { join } from 'node:path';
import { Context, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { resolveNasnetSpaceConfig } from '../../cells/nasnet/index.ts';
import type {
  ScoreSharedPhaseInput,
  ScoreSharedPhaseResult,
  SharedPhaseSetup,
  SharingActivities,
  TrainSharedPhaseInput,
  TrainSharedPhaseResult,
} from '../../contracts/activities.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';
import { TrainingCancelledError } from '../../engine/loop.ts';
import { scoreArchitectures, trainSharedSteps } from '../../engine/sharing/phases.ts';
import { loadSharedState } from '../../engine/sharing/shared-checkpoint.ts';
import { SharedMomentum } from '../../engine/sharing/shared-momentum.ts';
import { SharedNetwork } from '../../engine/sharing/shared-network.ts';
import { threadCpuMark, threadCpuSecondsSince } from '../../engine/thread-cpu.ts';
import { uniformArchitectureAt } from '../../engine/sharing/uniform-architectures.ts';
import { startHeartbeatPulse } from './heartbeat-pulse.ts';
import { isOutOfMemory, loadProtocolData } from './training.ts';

export interface SharingActivityDeps {
  /** Where the shared networks' checkpoint files are kept, one per search. */
  sharingDir: string;
  /** As the training activity's: where Fashion-MNIST is; other datasets name their own. */
  dataDir?: string;
  /** Longest gap between heartbeats (default 2000 ms). */
  heartbeatMs?: number;
  /** How long a phase may report no progress before its heartbeats stop and Temporal retries it (default 10 min). */
  stallLimitMs?: number;
  log?: (line: string) => void;
}

/** What the phases heartbeat: the next training step, or the architectures scored so far. */
export type SharingHeartbeat = { phase: 'train'; step: number; toStep: number } | { phase: 'score'; scored: number };

const DEFAULT_CHECKPOINT_EVERY = 10;

export function sharedCheckpointPath(sharingDir: string, searchId: string): string {
  return join(sharingDir, `${encodeURIComponent(searchId)}.nasshar`);
}

export function createSharingActivities(deps: SharingActivityDeps): SharingActivities {
  const pulseOptions = { gapMs: deps.heartbeatMs ?? 2000, stallLimitMs: deps.stallLimitMs ?? 10 * 60_000 };
  const log = deps.log ?? (() => {});

  /** The shared network and optimizer of the search, the data split, and the heartbeat, for the length of `fn`; with the CPU time it took. */
  async function withSharedNetwork<T extends object>(
    input: SharedPhaseSetup,
    first: SharingHeartbeat,
    fn: (
      run: { network: SharedNetwork; optimizer: SharedMomentum; checkpointPath: string },
      data: Awaited<ReturnType<typeof loadProtocolData>>,
      beat: (details: SharingHeartbeat) => void,
    ) => Promise<T>,
  ): Promise<T & { cpuSeconds: number | null }> {
    const ctx = Context.current();
    const cpuAtStart = threadCpuMark();
    const pulse = startHeartbeatPulse<SharingHeartbeat>((details) => ctx.heartbeat(details), first, pulseOptions);
    let network: SharedNetwork | undefined;
    const optimizer = new SharedMomentum();
    try {
      network = new SharedNetwork({
        space: resolveNasnetSpaceConfig(input.space),
        input: input.input,
        classes: input.classes,
        seed: input.seed,
      });
      const data = await loadProtocolData(
        { trialId: `${input.searchId}/shared`, protocol: input.protocol },
        deps.dataDir,
      );
      const checkpointPath = sharedCheckpointPath(deps.sharingDir, input.searchId);
      const result = await fn({ network, optimizer, checkpointPath }, data, (details) => pulse.progressed(details));
      return { ...result, cpuSeconds: threadCpuSecondsSince(cpuAtStart) };
    } catch (err) {
      if (err instanceof TrainingCancelledError) {
        // The checkpoint stays for the retry.
        throw err.reason instanceof CancelledFailure ? err.reason : new CancelledFailure(err.message);
      }
      throw err;
    } finally {
      pulse.stop();
      network?.dispose();
      optimizer.dispose();
    }
  }

  return {
    async trainSharedPhase(input: TrainSharedPhaseInput): Promise<TrainSharedPhaseResult> {
      const { fromStep, toStep, architectures } = input;
      const architectureAt =
        'perStep' in architectures
          ? perStepArchitectures(architectures.perStep, fromStep, toStep)
          : uniformArchitectureAt(input.space, architectures.uniformSeed);
      const ctx = Context.current();
      if (ctx.info.attempt > 1) {
        const last = ctx.info.heartbeatDetails ? JSON.stringify(ctx.info.heartbeatDetails) : 'none';
        log(
          `shared network of ${input.searchId}: attempt ${ctx.info.attempt} resumes from its checkpoint (last heartbeat: ${last})`,
        );
      }
      return withSharedNetwork(input, { phase: 'train', step: fromStep, toStep }, async (run, data, beat) => {
        let resumedAt: number | undefined;
        const state = await trainSharedSteps({
          ...run,
          train: data.train,
          imageShape: data.imageShape,
          batchSize: input.protocol.batchSize,
          microBatchSize: input.microBatchSize,
          seed: input.seed,
          fromStep,
          toStep,
          architectureAt,
          learningRateAt: () => input.learningRate,
          checkpointEvery: input.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
          signal: ctx.cancellationSignal,
          onStep: (step) => {
            resumedAt ??= step;
            beat({ phase: 'train', step: step + 1, toStep });
          },
        }).catch(rethrowAsFailure(input.searchId));
        return { step: state.step, resumedAt: resumedAt ?? state.step, curve: state.curve.slice(fromStep, toStep) };
      });
    },

    async scoreSharedPhase(input: ScoreSharedPhaseInput): Promise<ScoreSharedPhaseResult> {
      const ctx = Context.current();
      return withSharedNetwork(input, { phase: 'score', scored: 0 }, async (run, data, beat) => {
        const state = await loadSharedState(run.checkpointPath, run.network, run.optimizer).catch(
          rethrowAsFailure(input.searchId),
        );
        if (!state) {
          throw ApplicationFailure.nonRetryable(
            `shared network of ${input.searchId}: no checkpoint at ${run.checkpointPath}; a training phase must run first on a trainer that shares this directory`,
            'SharedCheckpointMissing',
          );
        }
        const scores = await scoreArchitectures({
          network: run.network,
          architectures: input.architectures,
          validation: data.val,
          imageShape: data.imageShape,
          batchSize: input.protocol.batchSize,
          batches: input.batches,
          seed: input.seed,
          round: input.round,
          signal: ctx.cancellationSignal,
          onArchitecture: (index) => beat({ phase: 'score', scored: index + 1 }),
        }).catch(rethrowAsFailure(input.searchId));
        return { scores, step: state.step };
      });
    },
  };
}

function perStepArchitectures(perStep: NasnetArchitecture[], fromStep: number, toStep: number) {
  if (perStep.length !== toStep - fromStep) {
    throw ApplicationFailure.nonRetryable(
      `trainSharedPhase: architectures.perStep has ${perStep.length} architectures for steps ${fromStep}..${toStep - 1}; it needs one per step`,
      'InvalidPhase',
    );
  }
  return (step: number) => perStep[step - fromStep];
}

/** Errors that the same input gives again on a retry end the phase; others (I/O, memory) are retried. */
function rethrowAsFailure(searchId: string) {
  return (err: unknown): never => {
    if (err instanceof Error && ['SharedCheckpointError', 'GenotypeError', 'GraphShapeError'].includes(err.name)) {
      throw ApplicationFailure.nonRetryable(`shared network of ${searchId}: ${err.message}`, err.name);
    }
    if (err instanceof RangeError && !isOutOfMemory(err)) {
      throw ApplicationFailure.nonRetryable(`shared network of ${searchId}: ${err.message}`, 'InvalidPhase');
    }
    throw err;
  };
}
