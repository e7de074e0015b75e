/**
 * The training loop, on any tfjs backend: a custom loop (not model.fit) so
 * that the epoch order and augmentation are seeded, cancellation is checked
 * between batches, and the event loop gets a turn after every batch (for
 * heartbeats) even on backends whose kernels block it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingProtocol } from '../contracts/protocol';
import type { EpochMetrics } from '../contracts/activities';
import { assembleBatch, augmentationRng, epochPermutation } from './batches';
import { recalibrateBatchNorm } from './bn-recalibration';
import { correctCount, crossEntropy, evaluate } from './metrics';
import { activationBytesPerSample, chunkSizes, microBatchSize, stepMemoryBudget } from './micro-batches';
import { createOptimizer, disposeOptimizer, scheduledLearningRate, setLearningRate } from './optimizers';
import { withSeededMathRandom } from './seeded-random';

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
}

export interface TrainOutcome {
  status: 'succeeded' | 'diverged';
  /** Epochs trained by this call (from startEpoch on). */
  epochs: EpochMetrics[];
  valAccuracy: number | null;
  testAccuracy: number | null;
  trainSeconds: number;
  samplesPerSecond: number;
  /** Samples per gradient computation; below protocol.batchSize, gradients were accumulated. */
  microBatchSize: number;
}

/** Thrown when the abort signal fires; `reason` is the signal's reason. */
export class TrainingCancelledError extends Error {
  constructor(readonly reason: unknown) {
    super(`training cancelled${reason instanceof Error ? `: ${reason.message}` : ''}`);
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
  const microBatch =
    options.microBatchSize ??
    microBatchSize(protocol.batchSize, activationBytesPerSample(model), stepMemoryBudget(tf.getBackend()));
  const epochs: EpochMetrics[] = [];
  const callStart = performance.now();
  let trainingSeconds = 0;
  let samplesTrained = 0;
  // The moving statistics were recalibrated after the last training step (test follows validation).
  let recalibrated = false;
  try {
    for (let epoch = startEpoch; epoch < protocol.epochs; epoch++) {
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
        const step = await trainStep(model, optimizer, variables, batchData, imageShape, dropoutSeed, microBatch);
        recalibrated = false;
        if (!Number.isFinite(step.loss)) {
          return finish('diverged');
        }
        lossSum += step.loss * indices.length;
        correct += step.correct;
        samplesTrained += indices.length;
        await options.onProgress?.({ phase: 'train', epoch, batch, batches, loss: step.loss });
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
      const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
      if (!Number.isFinite(val.loss) || stuckAtChance(metrics.trainLoss, classes, (epoch + 1) * batches))
        return finish('diverged');
      await options.onEpoch?.(metrics);
    }
    return finish('succeeded');
  } finally {
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
      testAccuracy = (await evaluatePhase('test', protocol.epochs - 1, data.testX, data.testY)).accuracy;
    }
    const last = epochs[epochs.length - 1];
    return {
      status,
      epochs,
      valAccuracy: status === 'succeeded' && last ? last.valAccuracy : null,
      testAccuracy,
      trainSeconds: (performance.now() - callStart) / 1000,
      samplesPerSecond: trainingSeconds > 0 ? samplesTrained / trainingSeconds : 0,
      microBatchSize: microBatch,
    };
  }
}

/** One optimizer step on a batch, its gradients summed over micro-batches of at most `microBatch`. */
async function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  batch: { x: Float32Array; y: Int32Array },
  imageShape: [number, number, number],
  /** Seeds the random draws of the step (dropout masks). */
  seed: string,
  microBatch: number,
): Promise<{ loss: number; correct: number }> {
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const sizes = chunkSizes(batch.y.length, microBatch);
  let gradients: tf.NamedTensorMap | null = null;
  let loss = 0;
  let correct = 0;
  try {
    let offset = 0;
    for (const [index, size] of sizes.entries()) {
      const part = await microBatchGradients(
        model,
        variables,
        { x: batch.x.subarray(offset * pixels, (offset + size) * pixels), y: batch.y.subarray(offset, offset + size) },
        imageShape,
        size / batch.y.length,
        sizes.length === 1 ? seed : `${seed}/${index}`,
      );
      offset += size;
      loss += part.loss;
      correct += part.correct;
      gradients = gradients ? sumInto(gradients, part.gradients) : part.gradients;
    }
    optimizer.applyGradients(gradients!);
    return { loss, correct };
  } finally {
    if (gradients) tf.dispose(gradients);
  }
}

/** Gradients of `weight` x the micro-batch's mean loss, so that the weighted sum is the batch mean. */
async function microBatchGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  batch: { x: Float32Array; y: Int32Array },
  imageShape: [number, number, number],
  weight: number,
  seed: string,
): Promise<{ loss: number; correct: number; gradients: tf.NamedTensorMap }> {
  const xb = tf.tensor4d(batch.x, [batch.y.length, ...imageShape]);
  const yb = tf.tensor1d(batch.y, 'int32');
  let hits: tf.Scalar | undefined;
  let value: tf.Scalar | undefined;
  try {
    const result = withSeededMathRandom(seed, () =>
      tf.variableGrads(() => {
        const probabilities = model.apply(xb, { training: true }) as tf.Tensor;
        hits = tf.keep(correctCount(probabilities, yb));
        const meanLoss = crossEntropy(probabilities, yb);
        return weight === 1 ? meanLoss : tf.mul(meanLoss, weight);
      }, variables),
    );
    value = result.value;
    const [lossValue, hitValue] = await Promise.all([value.data(), hits!.data()]);
    return { loss: lossValue[0], correct: hitValue[0], gradients: result.grads };
  } finally {
    tf.dispose([xb, yb]);
    if (hits) hits.dispose();
    if (value) value.dispose();
  }
}

/** Adds `more` to `sums` (both disposed) and returns the new sums. */
function sumInto(sums: tf.NamedTensorMap, more: tf.NamedTensorMap): tf.NamedTensorMap {
  const result: tf.NamedTensorMap = {};
  for (const name of Object.keys(sums)) result[name] = tf.add(sums[name], more[name]);
  tf.dispose([sums, more]);
  return result;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TrainingCancelledError(signal.reason);
}

function modelImageShape(model: tf.LayersModel): [number, number, number] {
  const shape = model.inputs[0]?.shape;
  if (shape?.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
    throw new Error(
      `trainModel: the model must take NHWC images of a fixed size, its input shape is [${shape?.join(', ')}]`,
    );
  }
  return shape.slice(1) as [number, number, number];
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
