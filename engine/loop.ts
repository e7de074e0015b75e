/**
 * The training loop, on any tfjs backend: a custom loop (not model.fit) so
 * that the epoch order and augmentation are seeded, cancellation is checked
 * between batches, and the event loop gets a turn after every batch (for
 * heartbeats) even on backends whose kernels block it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { plateauReached } from '../contracts/plateau.ts';
import type { EpochMetrics } from '../contracts/activities.ts';
import { assembleBatch, augmentationRng, epochPermutation } from './batches.ts';
import { batchNormLayers, recalibrateBatchNorm } from './bn-recalibration.ts';
import { evaluate } from './metrics.ts';
import { addGradients, microBatchGradients, modelImageShape, type MicroBatch } from './micro-batch-gradients.ts';
import {
  activationBytesPerSample,
  chunkSizes,
  microBatchSize,
  stepMemoryBudget,
  threadMicroBatchSize,
} from './micro-batches.ts';
import { createOptimizer, disposeOptimizer, scheduledLearningRate, setLearningRate } from './optimizers.ts';
import { GradientHelpers } from './gradient-helpers.ts';
import { parallelTrainStep } from './parallel-step.ts';

export interface TrainingData {
  /** NHWC images in [0, 1], the image shape given by the model's input. */
  trainX: Float32Array;
  trainY: Int32Array;
  valX: Float32Array;
  valY: Int32Array;
  testX?: Float32Array;
  testY?: Int32Array;
}

export interface BatchProgress {
  /**
   * Training batches, then the validation (and at the end test) evaluation batches, each
   * evaluation preceded by the batch-norm recalibration batches when the protocol asks for them.
   */
  phase: 'train' | 'recalibrate' | 'val' | 'test';
  epoch: number;
  batch: number;
  batches: number;
  /** NaN in recalibration (no loss is computed). */
  loss: number;
}

export interface TrainOptions {
  model: tf.LayersModel;
  data: TrainingData;
  protocol: TrainingProtocol;
  /** Training seed of this repeat (batch order, augmentation, dropout); default protocol.seed. */
  seed?: number;
  /** Resume: epochs before this one are done (their weights are in the model and optimizer). */
  startEpoch?: number;
  /**
   * Resume: the validation accuracies of epochs 0..startEpoch-1, which a plateau budget
   * (protocol.plateau) reads to stop where an uninterrupted training would have.
   */
  valAccuracies?: readonly number[];
  /** Defaults to a fresh optimizer of the protocol, disposed at the end; a given one is the caller's. */
  optimizer?: tf.Optimizer;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /** Called after every training and evaluation batch; the caller throttles what it does with it. */
  onProgress?: (progress: BatchProgress) => void | Promise<void>;
  signal?: AbortSignal;
  evalBatchSize?: number;
  /**
   * Largest number of samples whose gradients are computed at once (see micro-batches.ts).
   * Defaults to what the backend's memory holds: the whole batch unless that would not fit.
   */
  microBatchSize?: number;
  /**
   * Threads computing each step's gradients (parallel-step.ts), default 1. With T > 1 a batch
   * is split into at least T micro-batches; the result is that of one thread on the same
   * micro-batches. The tensorflow backend trains on one (it has its own thread pool).
   */
  threads?: number;
}

export interface TrainOutcome {
  status: 'succeeded' | 'diverged';
  /** Epochs trained by this call (from startEpoch on). */
  epochs: EpochMetrics[];
  /** The last epoch's (of this call, or of the resumed curve when this call trained none). */
  valAccuracy: number | null;
  testAccuracy: number | null;
  trainSeconds: number;
  samplesPerSecond: number;
  /** Samples per gradient computation; below protocol.batchSize, gradients were accumulated. */
  microBatchSize: number;
}

/** Thrown when the abort signal fires; `reason` is the signal's reason. */
export class TrainingCancelledError extends Error {
  readonly reason: unknown;
  constructor(reason: unknown) {
    super(`training cancelled${reason instanceof Error ? `: ${reason.message}` : ''}`);
    this.reason = reason;
    this.name = 'TrainingCancelledError';
  }
}

/**
 * A training diverged when its loss is NaN or infinite, or when, after at least this many
 * optimizer steps, an epoch's mean training loss is still at or above the cross-entropy of a
 * uniform guess, ln(classes): it learned nothing (a learning rate far too large ends there).
 */
export const CHANCE_LOSS_MIN_STEPS = 100;

export function stuckAtChance(meanTrainLoss: number, classes: number, stepsDone: number): boolean {
  return stepsDone >= CHANCE_LOSS_MIN_STEPS && meanTrainLoss >= Math.log(classes);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainModel(options: TrainOptions): Promise<TrainOutcome> {
  const { model, data, protocol, signal } = options;
  const seed = options.seed ?? protocol.seed;
  const imageShape = modelImageShape(model);
  const startEpoch = options.startEpoch ?? 0;
  const optimizer = options.optimizer ?? createOptimizer(protocol);
  const trainCount = checkSamples('train', data.trainX, data.trainY, imageShape);
  checkSamples('val', data.valX, data.valY, imageShape);
  const evalBatchSize = options.evalBatchSize ?? Math.max(protocol.batchSize, 256);
  const batches = Math.ceil(trainCount / protocol.batchSize);
  const totalSteps = protocol.epochs * batches;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const threads = tf.getBackend() === 'tensorflow' ? 1 : (options.threads ?? 1);
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`trainModel: threads must be a positive integer, got ${threads}`);
  const microBatch = threadMicroBatchSize(
    protocol.batchSize,
    options.microBatchSize ??
      microBatchSize(protocol.batchSize, activationBytesPerSample(model), stepMemoryBudget(tf.getBackend())),
    threads,
  );
  const step = stepOnThreads(model, optimizer, variables, imageShape);
  const epochs: EpochMetrics[] = [];
  const curve = [...(options.valAccuracies ?? [])];
  if (protocol.plateau && curve.length !== startEpoch) {
    throw new RangeError(
      `trainModel: a plateau budget resumed at epoch ${startEpoch} needs the ${startEpoch} validation accuracies before it, got ${curve.length}`,
    );
  }
  const levelledOff = () => protocol.plateau !== undefined && plateauReached(curve, protocol.plateau);
  const callStart = performance.now();
  let trainingSeconds = 0;
  let samplesTrained = 0;
  // The moving statistics were recalibrated after the last training step (test follows validation).
  let recalibrated = false;
  try {
    if (threads > 1) await step.startHelpers(threads - 1);
    for (let epoch = startEpoch; epoch < protocol.epochs && !levelledOff(); epoch++) {
      const epochStart = performance.now();
      const order = epochPermutation(trainCount, seed, epoch);
      const augment = protocol.augmentation === 'flip-shift' ? augmentationRng(seed, epoch) : null;
      let lossSum = 0;
      let correct = 0;
      for (let batch = 0; batch < batches; batch++) {
        throwIfAborted(signal);
        const indices = order.subarray(batch * protocol.batchSize, (batch + 1) * protocol.batchSize);
        if (protocol.lrSchedule !== 'constant') {
          setLearningRate(optimizer, scheduledLearningRate(protocol, epoch * batches + batch, totalSteps));
        }
        const batchData = assembleBatch(data.trainX, data.trainY, indices, imageShape, augment);
        const dropoutSeed = `${seed}/step/${epoch}/${batch}`;
        const result = await step.train(microBatchesOf(batchData, imageShape, dropoutSeed, microBatch));
        recalibrated = false;
        if (!Number.isFinite(result.loss)) {
          return finish('diverged');
        }
        lossSum += result.loss * indices.length;
        correct += result.correct;
        samplesTrained += indices.length;
        await options.onProgress?.({ phase: 'train', epoch, batch, batches, loss: result.loss });
        await yieldToEventLoop();
      }
      trainingSeconds += (performance.now() - epochStart) / 1000;
      const val = await evaluatePhase('val', epoch, data.valX, data.valY);
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / trainCount,
        trainAccuracy: correct / trainCount,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        seconds: (performance.now() - epochStart) / 1000,
      };
      epochs.push(metrics);
      curve.push(val.accuracy);
      const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
      if (!Number.isFinite(val.loss) || stuckAtChance(metrics.trainLoss, classes, (epoch + 1) * batches))
        return finish('diverged');
      await options.onEpoch?.(metrics);
    }
    return finish('succeeded');
  } finally {
    await step.stopHelpers();
    if (!options.optimizer) disposeOptimizer(optimizer);
  }

  async function evaluatePhase(phase: 'val' | 'test', epoch: number, x: Float32Array, y: Int32Array) {
    throwIfAborted(signal);
    if (!recalibrated && (protocol.bnRecalibrationBatches ?? 0) > 0) {
      await recalibrateBatchNorm(model, {
        trainX: data.trainX,
        trainY: data.trainY,
        imageShape,
        batches: protocol.bnRecalibrationBatches!,
        batchSize: protocol.batchSize,
        seed,
        afterBatch: async (batch, batches) => {
          await options.onProgress?.({ phase: 'recalibrate', epoch, batch, batches, loss: NaN });
          await yieldToEventLoop();
          throwIfAborted(signal);
        },
      });
      recalibrated = true;
    }
    return evaluate(model, x, y, imageShape, evalBatchSize, async (batch, batches, loss) => {
      await options.onProgress?.({ phase, epoch, batch, batches, loss });
      await yieldToEventLoop();
      throwIfAborted(signal);
    });
  }

  async function finish(status: TrainOutcome['status']): Promise<TrainOutcome> {
    let testAccuracy: number | null = null;
    if (status === 'succeeded' && data.testX && data.testY && data.testY.length > 0) {
      testAccuracy = (await evaluatePhase('test', startEpoch + epochs.length - 1, data.testX, data.testY)).accuracy;
    }
    return {
      status,
      epochs,
      valAccuracy: status === 'succeeded' && curve.length > 0 ? curve[curve.length - 1] : null,
      testAccuracy,
      trainSeconds: (performance.now() - callStart) / 1000,
      samplesPerSecond: trainingSeconds > 0 ? samplesTrained / trainingSeconds : 0,
      microBatchSize: microBatch,
    };
  }
}

/** A batch split into micro-batches of at most `microBatch`, each with its share of the batch and its dropout seed. */
function microBatchesOf(
  batch: { x: Float32Array; y: Int32Array },
  imageShape: [number, number, number],
  seed: string,
  microBatch: number,
): MicroBatch[] {
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const sizes = chunkSizes(batch.y.length, microBatch);
  let offset = 0;
  return sizes.map((size, index) => {
    const part = {
      x: batch.x.subarray(offset * pixels, (offset + size) * pixels),
      y: batch.y.subarray(offset, offset + size),
      weight: size / batch.y.length,
      seed: sizes.length === 1 ? seed : `${seed}/${index}`,
    };
    offset += size;
    return part;
  });
}

/** Optimizer steps on this thread alone, or with gradient helpers once they are started. */
function stepOnThreads(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  imageShape: [number, number, number],
) {
  let helpers: GradientHelpers | null = null;
  return {
    async startHelpers(count: number) {
      helpers = await GradientHelpers.start(model, count);
    },
    async stopHelpers() {
      await helpers?.close();
      helpers = null;
    },
    train(microBatches: MicroBatch[]) {
      return helpers
        ? parallelTrainStep(model, optimizer, variables, microBatches, imageShape, helpers, batchNormLayers(model))
        : trainStep(optimizer, microBatches, (part) => microBatchGradients(model, variables, part, imageShape));
    },
  };
}

/** One optimizer step on a batch, its gradients summed over its micro-batches in order. */
async function trainStep(
  optimizer: tf.Optimizer,
  microBatches: MicroBatch[],
  gradientsOf: (microBatch: MicroBatch) => ReturnType<typeof microBatchGradients>,
): Promise<{ loss: number; correct: number }> {
  let gradients: tf.NamedTensorMap | null = null;
  let loss = 0;
  let correct = 0;
  try {
    for (const microBatch of microBatches) {
      const part = await gradientsOf(microBatch);
      loss += part.loss;
      correct += part.correct;
      gradients = gradients ? addGradients(gradients, part.gradients) : part.gradients;
    }
    optimizer.applyGradients(gradients!);
    return { loss, correct };
  } finally {
    if (gradients) tf.dispose(gradients);
  }
}

/** Throws TrainingCancelledError once `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TrainingCancelledError(signal.reason);
}

function checkSamples(name: string, x: Float32Array, y: Int32Array, shape: [number, number, number]): number {
  const pixels = shape[0] * shape[1] * shape[2];
  if (y.length === 0) throw new RangeError(`trainModel: data.${name}Y is empty`);
  if (x.length !== y.length * pixels) {
    throw new RangeError(
      `trainModel: data.${name}X has ${x.length} values, expected ${y.length} labels x ${shape.join('x')} = ${y.length * pixels}`,
    );
  }
  return y.length;
}
