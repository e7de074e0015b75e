/**
 * The two phases of a weight-sharing search, as engine functions: train the shared weights for a
 * range of steps, one sampled architecture per step; score architectures with the shared weights
 * on validation batches. Both are deterministic for a seed (and thread count): the batch of a step
 * and the validation batches of a round follow from the seed alone, and training resumes from its
 * checkpoint file at the step it reached.
 */
import * as tf from '@tensorflow/tfjs';
import type { NasnetPath } from '../../cells/nasnet/shared-weights.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';
import { type Batch, assembleBatch, epochPermutation, scoringPermutation } from '../batches.ts';
import { throwIfAborted } from '../loop.ts';
import { loadSharedState, saveSharedState, type SharedState } from './shared-checkpoint.ts';
import type { SharedMomentum } from './shared-momentum.ts';
import type { SharedNetwork } from './shared-network.ts';

export interface LabelledImages {
  /** NHWC images, `imageShape` each. */
  x: Float32Array;
  y: Int32Array;
}

export interface SharedTrainingOptions {
  network: SharedNetwork;
  optimizer: SharedMomentum;
  train: LabelledImages;
  imageShape: [number, number, number];
  batchSize: number;
  /**
   * Images per forward and backward pass (default: the batch): a step sums the gradients of its
   * micro-batches, each weighted by its share of the batch, as the standalone trainer does on wasm
   * (whose 4 GB heap holds about 64 images of the default network). Batch norm normalises each
   * micro-batch with its own statistics.
   */
  microBatchSize?: number;
  seed: number;
  /** This phase trains steps [fromStep, toStep) of the whole search. */
  fromStep: number;
  toStep: number;
  architectureAt: (step: number) => NasnetArchitecture;
  learningRateAt: (step: number) => number;
  /** The checkpoint file, written every `checkpointEvery` steps and at the end of the phase. */
  checkpointPath: string;
  checkpointEvery: number;
  signal?: AbortSignal;
  onStep?: (step: number, result: { loss: number; accuracy: number }) => void | Promise<void>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains steps fromStep..toStep-1 (those the checkpoint has not done yet) and returns the state
 * after the phase. A checkpoint behind fromStep is an error: the steps before the phase are missing.
 */
export async function trainSharedSteps(options: SharedTrainingOptions): Promise<SharedState> {
  const { network, optimizer, train, imageShape, batchSize, seed, fromStep, toStep, checkpointPath } = options;
  const count = train.y.length;
  const batchesPerEpoch = Math.floor(count / batchSize);
  const microBatchSize = options.microBatchSize ?? batchSize;
  if (!Number.isInteger(microBatchSize) || microBatchSize < 1 || microBatchSize > batchSize) {
    throw new RangeError(
      `trainSharedSteps: microBatchSize must be an integer in 1..${batchSize}, got ${microBatchSize}`,
    );
  }
  if (batchesPerEpoch < 1)
    throw new RangeError(`trainSharedSteps: ${count} training images, fewer than one batch of ${batchSize}`);
  if (!(options.checkpointEvery >= 1)) throw new RangeError('trainSharedSteps: checkpointEvery must be at least 1');
  const state: SharedState = (await loadSharedState(checkpointPath, network, optimizer)) ?? { step: 0, curve: [] };
  if (state.step < fromStep) {
    throw new Error(
      `trainSharedSteps: the checkpoint ${checkpointPath} is at step ${state.step}, the phase starts at ${fromStep}`,
    );
  }
  let order: Int32Array | undefined;
  let orderEpoch = -1;
  while (state.step < toStep) {
    throwIfAborted(options.signal);
    const step = state.step;
    const epoch = Math.floor(step / batchesPerEpoch);
    if (epoch !== orderEpoch) [order, orderEpoch] = [epochPermutation(count, seed, epoch), epoch];
    const first = (step % batchesPerEpoch) * batchSize;
    const batch = assembleBatch(train.x, train.y, order!.subarray(first, first + batchSize), imageShape, null);
    const path = network.path(options.architectureAt(step));
    const { loss, correct, gradients } = batchGradients(network, path, batch, imageShape, microBatchSize);
    optimizer.apply(network, clippedByGlobalNorm(gradients, SHARED_GRADIENT_BOUND), options.learningRateAt(step));
    const result = { loss, accuracy: correct / batchSize };
    state.curve.push(result);
    state.step = step + 1;
    await options.onStep?.(step, result);
    if (state.step % options.checkpointEvery === 0 || state.step === toStep) {
      await saveSharedState(checkpointPath, state, network, optimizer);
    }
    await yieldToEventLoop();
  }
  return state;
}

/**
 * ENAS bounds the global norm of the shared weights' gradients at 5 (`child_grad_bound`): at its
 * learning rate of 0.05 with momentum 0.9, unbounded steps on a freshly sampled path make the loss
 * diverge (measured here: from 3.0 at the initial weights to 7-10 within 30 steps).
 */
export const SHARED_GRADIENT_BOUND = 5;

/** The gradients scaled by bound / their global norm where that norm exceeds the bound (the inputs are disposed). */
function clippedByGlobalNorm(gradients: Map<string, tf.Tensor>, bound: number): Map<string, tf.Tensor> {
  const norm = Math.sqrt(
    tf.tidy(() => tf.addN([...gradients.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]),
  );
  if (!(norm > bound)) return gradients;
  const scaled = new Map([...gradients].map(([key, g]) => [key, tf.mul(g, bound / norm)]));
  tf.dispose([...gradients.values()]);
  return scaled;
}

/** Gradients of the batch's mean loss, summed over micro-batches weighted by their share of the batch. */
function batchGradients(
  network: SharedNetwork,
  path: NasnetPath,
  batch: Batch,
  imageShape: [number, number, number],
  microBatchSize: number,
): { loss: number; correct: number; gradients: Map<string, tf.Tensor> } {
  const size = batch.y.length;
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const slice = (first: number, count: number) =>
    [
      tf.tensor4d(batch.x.subarray(first * pixels, (first + count) * pixels), [count, ...imageShape]),
      tf.tensor1d(batch.y.subarray(first, first + count), 'int32'),
    ] as const;
  let loss = 0;
  let correct = 0;
  let sums: Map<string, tf.Tensor> | undefined;
  try {
    for (let first = 0; first < size; first += microBatchSize) {
      const count = Math.min(microBatchSize, size - first);
      const [xb, yb] = slice(first, count);
      try {
        const micro = network.lossAndGradients(path, xb, yb);
        if (count === size) return micro;
        const share = count / size;
        loss += share * micro.loss;
        correct += micro.correct;
        const keys = [...micro.gradients.keys()];
        const previous = sums;
        const summed = tf.tidy(() =>
          keys.map((key) => {
            const weighted = tf.mul(micro.gradients.get(key)!, share);
            return previous ? tf.add(previous.get(key)!, weighted) : weighted;
          }),
        );
        tf.dispose([...micro.gradients.values(), ...(previous?.values() ?? [])]);
        sums = new Map(keys.map((key, k) => [key, summed[k]]));
      } finally {
        tf.dispose([xb, yb]);
      }
    }
  } catch (error) {
    if (sums) tf.dispose([...sums.values()]);
    throw error;
  }
  return { loss, correct, gradients: sums! };
}

export interface ScoringOptions {
  network: SharedNetwork;
  architectures: NasnetArchitecture[];
  validation: LabelledImages;
  imageShape: [number, number, number];
  batchSize: number;
  /** Validation batches per architecture: the same batches for every architecture of a round. */
  batches: number;
  seed: number;
  /** The scoring round; each round draws its own batches. */
  round: number;
  signal?: AbortSignal;
  onArchitecture?: (index: number) => void | Promise<void>;
}

export interface SharedScore {
  /** Mean accuracy over the round's validation batches: the reward of the architecture. */
  accuracy: number;
  loss: number;
}

/** Each architecture's accuracy and loss with the shared weights, batch norm on each batch's statistics. */
export async function scoreArchitectures(options: ScoringOptions): Promise<SharedScore[]> {
  const { network, validation, imageShape, batchSize, batches } = options;
  const count = validation.y.length;
  if (batches * batchSize > count) {
    throw new RangeError(
      `scoreArchitectures: ${batches} batches of ${batchSize} need ${batches * batchSize} validation images, there are ${count}`,
    );
  }
  const order = scoringPermutation(count, options.seed, options.round);
  const tensors = Array.from({ length: batches }, (_, b) => {
    const batch = assembleBatch(
      validation.x,
      validation.y,
      order.subarray(b * batchSize, (b + 1) * batchSize),
      imageShape,
      null,
    );
    return [tf.tensor4d(batch.x, [batchSize, ...imageShape]), tf.tensor1d(batch.y, 'int32')] as const;
  });
  try {
    const scores: SharedScore[] = [];
    for (const [index, arch] of options.architectures.entries()) {
      throwIfAborted(options.signal);
      const path = network.path(arch);
      let correct = 0;
      let loss = 0;
      for (const [x, y] of tensors) {
        const result = network.evaluate(path, x, y);
        correct += result.correct;
        loss += result.loss;
      }
      scores.push({ accuracy: correct / (batches * batchSize), loss: loss / batches });
      await options.onArchitecture?.(index);
      await yieldToEventLoop();
    }
    return scores;
  } finally {
    tf.dispose(tensors.flat());
  }
}
