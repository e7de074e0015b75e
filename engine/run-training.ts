/**
 * One trial's training, wherever tfjs runs (a worker thread or the activity's own thread): build
 * the model with seeded initial weights, resume from the stored checkpoint, train, and hand a
 * checkpoint to the caller after every epoch. No database or Temporal here.
 */
import type * as tf from '@tensorflow/tfjs';
import { architectureGraph } from '../cells/architecture.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import type { EpochMetrics } from '../contracts/activities.ts';
import { measureLatency, type LatencyFigures, type LatencyOptions } from './latency.ts';
import { CheckpointError, restoreCheckpoint, serializeCheckpoint } from './checkpoint.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { trainModel, type BatchProgress, type TrainingData, type TrainOutcome } from './loop.ts';
import { createOptimizer, disposeOptimizer } from './optimizers.ts';
import { withSeededMathRandom } from './seeded-random.ts';
import type { ProtocolData } from './data/split.ts';
import { threadCpuMark, threadCpuSecondsSince } from './thread-cpu.ts';

/** A protocol's split as the training loop takes it. */
export function trainingDataOf(split: ProtocolData): TrainingData {
  return {
    trainX: split.train.x,
    trainY: split.train.y,
    valX: split.val.x,
    valY: split.val.y,
    testX: split.test.x,
    testY: split.test.y,
  };
}

export interface TrainingJob {
  trialId: string;
  architecture: Architecture;
  archHash: string;
  protocol: TrainingProtocol;
  /** The repeat's training seed (initial weights, batch order, augmentation, dropout); default protocol.seed. The data were split with protocol.seed. */
  trainingSeed?: number;
  data: TrainingData;
  /** The checkpoint an earlier attempt stored, if any. */
  checkpoint: Uint8Array | null;
  /**
   * Measure inference latency after building the model, before training (engine/latency.ts);
   * with `maxBatch1Ms`, a batch-1 median above it ends the run untrained.
   */
  latency?: { maxBatch1Ms?: number; options?: Omit<LatencyOptions, 'now'> };
  /** Threads computing each step's gradients (engine/parallel-step.ts); a trainer setting, default 1. */
  threads?: number;
}

export interface TrainingHooks {
  /** Training starts at this epoch (0, or the one after the checkpoint's). */
  onStart(startEpoch: number): void;
  onProgress(progress: BatchProgress): void;
  /** Awaited: the next epoch starts once the checkpoint is stored. */
  onEpoch(metrics: EpochMetrics, checkpoint: Uint8Array): Promise<void>;
  /** The stored checkpoint does not fit this model; training starts from scratch once it is dropped. */
  onUnusableCheckpoint(reason: string): Promise<void>;
  signal?: AbortSignal;
}

export interface TrainedRun {
  overLatency?: undefined;
  startEpoch: number;
  outcome: TrainOutcome;
  /** Measured before training when the job asked for it. */
  latency: LatencyFigures | null;
  /**
   * CPU time of the thread that ran this call (model build, latency, training, evaluations), in
   * seconds; null before Node 23.9, which has no process.threadCpuUsage.
   */
  cpuSeconds: number | null;
}

/** Not trained: the batch-1 latency exceeded the job's maxBatch1Ms. */
export interface OverLatencyRun {
  overLatency: true;
  latency: LatencyFigures;
}

export type TrainingRun = TrainedRun | OverLatencyRun;

/** Without `job.latency` the run always trains. */
export async function runTraining(
  job: TrainingJob & { latency?: undefined },
  hooks: TrainingHooks,
): Promise<TrainedRun>;
export async function runTraining(job: TrainingJob, hooks: TrainingHooks): Promise<TrainingRun>;
export async function runTraining(job: TrainingJob, hooks: TrainingHooks): Promise<TrainingRun> {
  const cpuAtStart = threadCpuMark();
  const { input, classes } = datasetShape(job.protocol);
  const graph = architectureGraph(job.architecture, input, classes);
  // Initial weights follow from the training seed and the architecture.
  const seed = job.trainingSeed ?? job.protocol.seed;
  const model = withSeededMathRandom(`${seed}/init/${job.archHash}`, () => buildModel(graph));
  const optimizer = createOptimizer(job.protocol);
  try {
    const latency = job.latency ? measureLatency(model, job.protocol.batchSize, job.latency.options) : null;
    const max = job.latency?.maxBatch1Ms;
    if (latency && max !== undefined && latency.batch1Ms > max) return { overLatency: true, latency };
    const { startEpoch, valAccuracies } = await resume(job, model, optimizer, hooks);
    const curve = [...valAccuracies];
    hooks.onStart(startEpoch);
    const outcome = await trainModel({
      model,
      optimizer,
      protocol: job.protocol,
      seed,
      startEpoch,
      valAccuracies,
      threads: job.threads,
      signal: hooks.signal,
      data: job.data,
      onProgress: (progress) => hooks.onProgress(progress),
      onEpoch: async (metrics) => {
        curve.push(metrics.valAccuracy);
        const checkpoint = await serializeCheckpoint({ epoch: metrics.epoch, model, optimizer, valAccuracies: curve });
        await hooks.onEpoch(metrics, checkpoint);
      },
    });
    return { startEpoch, outcome, latency, cpuSeconds: threadCpuSecondsSince(cpuAtStart) };
  } finally {
    model.dispose();
    disposeOptimizer(optimizer);
  }
}

async function resume(
  job: TrainingJob,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  hooks: TrainingHooks,
): Promise<{ startEpoch: number; valAccuracies: number[] }> {
  const fromScratch = { startEpoch: 0, valAccuracies: [] };
  if (!job.checkpoint) return fromScratch;
  try {
    const requireCurve = job.protocol.plateau !== undefined;
    const { epoch, valAccuracies = [] } = await restoreCheckpoint(job.checkpoint, { model, optimizer, requireCurve });
    return { startEpoch: epoch + 1, valAccuracies };
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    await hooks.onUnusableCheckpoint(err.message);
    return fromScratch;
  }
}
