/**
 * The simulated trainer (`--backend simulated`): the training activity's contract, trial states,
 * heartbeats and database writes, with a wait instead of a training and the accuracies of
 * search/simulated-training.ts. For benchmarks of the orchestration and strategy studies on the
 * real workflows; never a default. Its settings come from NAS_SIMULATED_* variables (simulationSettings).
 */
import { Context } from '@temporalio/activity';
import type { TrainingActivities, TrainTrialInput, TrainTrialResult } from '../../contracts/activities.ts';
import { isTerminal, type TrialState } from '../../contracts/trial-state.ts';
import type { Database } from '../../db/client.ts';
import { finishTrial, markTrialRunning, recordEpoch } from '../../db/queries/trials.ts';
import {
  SIMULATED_BACKEND,
  simulatedLatency,
  simulateTraining,
  type SimulationSettings,
} from '../../search/simulated-training.ts';
import { endOverLatency, requireTrial, storedResult } from './training.ts';
import { latencyColumns } from '../../db/queries/trials.ts';

export interface SimulatedTrainingDeps {
  db: Database;
  worker: string;
  settings: SimulationSettings;
  /** Longest gap between heartbeats while waiting (default 2000 ms). */
  heartbeatMs?: number;
}

export function createSimulatedTrainingActivities(deps: SimulatedTrainingDeps): TrainingActivities {
  const { db, settings } = deps;
  const heartbeatMs = deps.heartbeatMs ?? 2000;
  const on = { worker: deps.worker, backend: SIMULATED_BACKEND, device: 'none' };

  async function wait(ms: number, epoch: number): Promise<void> {
    const ctx = Context.current();
    for (let left = ms; left > 0; left -= heartbeatMs) {
      await ctx.sleep(Math.min(left, heartbeatMs));
      ctx.heartbeat({ phase: 'train', epoch });
    }
  }

  return {
    async trainTrial(input: TrainTrialInput): Promise<TrainTrialResult> {
      const existing = await requireTrial(db, input.trialId);
      if (isTerminal(existing.status as TrialState)) return storedResult(db, existing);
      Context.current().heartbeat({ phase: 'setup', epoch: 0 });
      if (!(await markTrialRunning(db, input.trialId, on)))
        return storedResult(db, await requireTrial(db, input.trialId));
      const latency = simulatedLatency(existing.flops, input.protocol.batchSize, settings);
      if (latency && input.maxLatencyMs !== undefined && latency.ms > input.maxLatencyMs) {
        return endOverLatency(db, input, existing, latency, on);
      }
      const simulated = simulateTraining(
        {
          architecture: input.architecture,
          archHash: input.archHash,
          protocol: input.protocol,
          trainingSeed: input.seed ?? input.protocol.seed,
          flops: existing.flops,
        },
        settings,
      );
      for (const metrics of simulated.epochs) {
        await wait(simulated.epochMs, metrics.epoch);
        await recordEpoch(db, input.trialId, metrics);
      }
      const trainSeconds = (simulated.epochMs * simulated.epochs.length) / 1000;
      const result = {
        status: 'succeeded' as const,
        valAccuracy: simulated.epochs[simulated.epochs.length - 1].valAccuracy,
        testAccuracy: simulated.testAccuracy,
        trainSeconds,
        samplesPerSecond: trainSeconds > 0 ? (input.protocol.trainSize * simulated.epochs.length) / trainSeconds : 0,
        ...on,
      };
      // The simulated device's time stands for the CPU time a real trainer records.
      const changed = await finishTrial(db, input.trialId, {
        ...result,
        cpuSeconds: trainSeconds,
        ...latencyColumns(latency),
      });
      if (!changed) return storedResult(db, await requireTrial(db, input.trialId));
      return {
        trialId: input.trialId,
        ...result,
        latency,
        epochs: simulated.epochs,
        params: existing.params,
        flops: existing.flops,
      };
    },
  };
}
