/**
 * Batch-norm recalibration: before an evaluation, every batch-norm layer's moving mean and
 * variance are replaced by the exact per-channel mean and population variance of its inputs
 * over a fixed set of training batches (the first N of a seeded order of the training split,
 * without augmentation), instead of the momentum averages of a short training, which have not
 * settled after a few hundred steps.
 *
 * As in PyTorch's torch.optim.swa_utils.update_bn (momentum None), the batches run forward with
 * each batch-norm layer normalising by the batch's own statistics, so every layer sees the inputs
 * it saw in training, and the statistics are averaged without momentum. Everything else runs in
 * inference mode: no dropout, no gradients, no optimizer, no weight but the moving statistics
 * written. The variance is the population (biased) one, as the layers' training update uses
 * (tf.moments and NasBatchNormMoments divide by the count); batches are merged exactly (Chan et
 * al.'s pairwise update, in float64), so the result is the variance over all the batches' values,
 * not the mean of per-batch variances.
 */
import * as tf from '@tensorflow/tfjs';
import { isBatchNormalization, moments, type StockBatchNormalization } from '../cells/builders/batch-norm.ts';
import { assembleBatch, recalibrationPermutation } from './batches.ts';

export interface RecalibrationOptions {
  trainX: Float32Array;
  trainY: Int32Array;
  imageShape: readonly [number, number, number];
  /** Batches used, at most those the training split holds. */
  batches: number;
  batchSize: number;
  /** Seeds the fixed order of the training split the batches are taken from. */
  seed: number;
  /** Awaited after every batch (progress, cancellation, yielding to the event loop). */
  afterBatch?: (batch: number, batches: number) => void | Promise<void>;
}

/** Every batch-norm layer of the model, in nested models too. */
export function batchNormLayers(model: tf.LayersModel): StockBatchNormalization[] {
  const found = new Set<StockBatchNormalization>();
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      if (isBatchNormalization(layer)) found.add(layer);
      else if (layer instanceof tf.LayersModel) visit(layer.layers);
    }
  };
  visit(model.layers);
  return [...found];
}

/** Per-channel count, mean and sum of squared deviations, merged batch by batch. */
class ChannelMoments {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;

  constructor(channels: number) {
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
  }

  /** Adds a batch of `count` values per channel with these mean and population variance. */
  add(count: number, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
    const total = this.count + count;
    for (let c = 0; c < this.mean.length; c++) {
      const delta = mean[c] - this.mean[c];
      this.mean[c] += (delta * count) / total;
      this.m2[c] += variance[c] * count + (delta * delta * this.count * count) / total;
    }
    this.count = total;
  }

  variance(): Float32Array {
    return Float32Array.from(this.m2, (m2) => m2 / this.count);
  }
}

interface Observed {
  layer: number;
  count: number;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Sets the moving statistics of every batch-norm layer of `model` from the recalibration batches;
 * returns the number of batches used (0 when the model has no batch norm or `batches` is 0).
 */
export async function recalibrateBatchNorm(model: tf.LayersModel, options: RecalibrationOptions): Promise<number> {
  const layers = batchNormLayers(model);
  const count = options.trainY.length;
  const batches = Math.min(options.batches, Math.ceil(count / options.batchSize));
  if (layers.length === 0 || batches <= 0) return 0;
  const order = recalibrationPermutation(count, options.seed);
  const stats = layers.map((layer) => new ChannelMoments(layer.movingMean.shape[0] as number));
  let observed: Observed[] = [];
  layers.forEach((layer, index) => observeBatchStatistics(layer, (seen) => observed.push({ layer: index, ...seen })));
  try {
    for (let batch = 0; batch < batches; batch++) {
      const indices = order.subarray(batch * options.batchSize, (batch + 1) * options.batchSize);
      const { x } = assembleBatch(options.trainX, options.trainY, indices, options.imageShape, null);
      try {
        tf.tidy(() => {
          model.apply(tf.tensor4d(x, [indices.length, ...options.imageShape]), { training: false });
        });
        const values = await Promise.all(observed.map((o) => Promise.all([o.mean.data(), o.variance.data()])));
        observed.forEach((o, i) => stats[o.layer].add(o.count, values[i][0], values[i][1]));
      } finally {
        for (const o of observed) tf.dispose([o.mean, o.variance]);
        observed = [];
      }
      await options.afterBatch?.(batch, batches);
    }
  } finally {
    for (const layer of layers) delete (layer as { call?: unknown }).call;
  }
  layers.forEach((layer, index) => {
    const { mean, count: seen } = stats[index];
    if (seen === 0) return; // not on the path from the input
    tf.tidy(() => {
      layer.movingMean.write(tf.tensor1d(Float32Array.from(mean)));
      layer.movingVariance.write(tf.tensor1d(stats[index].variance()));
    });
  });
  return batches;
}

/**
 * Until its own `call` is deleted, the layer normalises with each batch's statistics and reports
 * them (kept tensors, the receiver's to dispose) instead of updating its moving averages.
 */
function observeBatchStatistics(
  layer: StockBatchNormalization,
  report: (seen: { count: number; mean: tf.Tensor1D; variance: tf.Tensor1D }) => void,
): void {
  layer.call = (inputs: tf.Tensor | tf.Tensor[]) =>
    tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = layer.axis < 0 ? layer.axis + x.rank : layer.axis;
      if (axis !== x.rank - 1) {
        throw new Error(
          `batch-norm recalibration: layer ${layer.name} normalises axis ${layer.axis}; only the last (channel) axis is supported`,
        );
      }
      const [mean, variance] = moments(
        x,
        Array.from({ length: x.rank - 1 }, (_, i) => i),
      );
      report({ count: x.size / x.shape[axis], mean: tf.keep(mean), variance: tf.keep(variance) });
      const beta = layer.center ? (layer.beta.read() as tf.Tensor1D) : undefined;
      const gamma = layer.scale ? (layer.gamma.read() as tf.Tensor1D) : undefined;
      return tf.batchNorm(x, mean, variance, beta, gamma, layer.epsilon);
    });
}
