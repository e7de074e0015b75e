/**
 * Batch norm's moving statistics across threads. In training, every batch-norm layer (tfjs'
 * own and FusedBatchNormalization alike) moves its statistics towards the micro-batch's with
 *   moving.write(moving - (moving - batch) * (1 - momentum))
 * one micro-batch after another. Threads that compute micro-batches at once cannot share that
 * sequence, so each records the batch statistics its forward passes wrote instead, and the
 * training thread applies them in micro-batch order with the same arithmetic: the moving
 * statistics end bit-identical to those of the same micro-batches trained one after another.
 *
 * Recording reads exact values: with the momentum at 0 and the moving value read as 0, the layer
 * writes 0 - (0 - batch) * 1, which is `batch` exactly in float32.
 */
import * as tf from '@tensorflow/tfjs';
import type { StockBatchNormalization } from '../cells/builders/batch-norm.ts';

export interface MovingUpdate {
  /** Index in batchNormLayers(model), the same in every replica of the model. */
  layer: number;
  statistic: 'mean' | 'variance';
  /** The micro-batch's own statistic. */
  value: Float32Array;
}

type MovingVariable = StockBatchNormalization['movingMean'];

/** Runs `fn` (synchronous) with the layers' moving statistics left untouched; returns what their updates would have used, in order. */
export function recordMovingUpdates<T>(
  layers: StockBatchNormalization[],
  fn: () => T,
): { result: T; updates: MovingUpdate[] } {
  const updates: MovingUpdate[] = [];
  const momenta = layers.map((layer) => layer.momentum);
  const zeros = layers.map((layer) => tf.zeros(layer.movingMean.shape as number[]));
  layers.forEach((layer, index) => {
    layer.momentum = 0;
    const record = (variable: MovingVariable, statistic: MovingUpdate['statistic']) => {
      variable.read = () => zeros[index] as tf.Variable;
      variable.write = (value: tf.Tensor) => {
        updates.push({ layer: index, statistic, value: Float32Array.from(value.dataSync() as Float32Array) });
        return variable;
      };
    };
    record(layer.movingMean, 'mean');
    record(layer.movingVariance, 'variance');
  });
  try {
    return { result: fn(), updates };
  } finally {
    layers.forEach((layer, index) => {
      layer.momentum = momenta[index];
      for (const variable of [layer.movingMean, layer.movingVariance]) {
        delete (variable as { read?: unknown }).read;
        delete (variable as { write?: unknown }).write;
      }
    });
    tf.dispose(zeros);
  }
}

/** Applies recorded updates in order, as the layers' own training call would have. */
export function applyMovingUpdates(layers: StockBatchNormalization[], updates: MovingUpdate[]): void {
  for (const { layer, statistic, value } of updates) {
    const owner = layers[layer];
    const variable = statistic === 'mean' ? owner.movingMean : owner.movingVariance;
    tf.tidy(() => {
      const current = variable.read();
      variable.write(tf.sub(current, tf.mul(tf.sub(current, tf.tensor1d(value)), 1 - owner.momentum)));
    });
  }
}
