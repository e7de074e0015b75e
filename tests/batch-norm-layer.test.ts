/**
 * The builders' batch-norm layer: its closed-form training gradient and
 * moving averages against tf.layers.batchNormalization, on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedBatchNormalization } from '../cells/builders/batch-norm.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const channels = 6;
const x = () => tf.randomNormal([4, 5, 3, channels], 2, 3, 'float32', 1);
const weights = () => [
  tf.randomNormal([channels], 1, 0.2, 'float32', 3),
  tf.randomNormal([channels], 0, 0.2, 'float32', 4),
  tf.randomNormal([channels], 0, 0.1, 'float32', 5),
  tf.randomUniform([channels], 0.5, 2, 'float32', 6),
];

/** Gradients of a weighted sum of one training-mode output, and the moving statistics after it. */
function trainingStep(layer: tf.layers.Layer): Record<string, number[]> {
  return tf.tidy(() => {
    const input = x();
    if (!layer.built) layer.build(input.shape);
    layer.setWeights(weights());
    const projection = tf.randomNormal(input.shape, 0, 1, 'float32', 2);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, projection)) as tf.Scalar,
      [gamma, beta],
    );
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v, { training: true }) as tf.Tensor, projection)))(
      input,
    );
    const [, , movingMean, movingVariance] = layer.getWeights();
    return {
      dx: Array.from(dx.dataSync()),
      dgamma: Array.from(grads[gamma.name].dataSync()),
      dbeta: Array.from(grads[beta.name].dataSync()),
      movingMean: Array.from(movingMean.dataSync()),
      movingVariance: Array.from(movingVariance.dataSync()),
      inference: Array.from((layer.apply(input, { training: false }) as tf.Tensor).dataSync()),
    };
  });
}

function maxRelativeError(actual: number[], expected: number[]): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((v, i) => Math.abs(v - expected[i]))) / scale;
}

describe('FusedBatchNormalization', () => {
  it('trains like tf.layers.batchNormalization: same gradients and moving statistics', () => {
    const stock = trainingStep(tf.layers.batchNormalization({ momentum: 0.9 }));
    const fused = trainingStep(new FusedBatchNormalization({ momentum: 0.9 }));
    for (const key of Object.keys(stock)) {
      expect(maxRelativeError(fused[key], stock[key]), key).toBeLessThan(1e-5);
    }
  });

  it('leaves no tensors behind across training steps', () => {
    const layer = new FusedBatchNormalization({ momentum: 0.9 });
    trainingStep(layer);
    const before = tf.memory().numTensors;
    trainingStep(layer);
    trainingStep(layer);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('serialises under its own class name with the stock configuration', () => {
    const layer = new FusedBatchNormalization({ momentum: 0.9, name: 'bn' });
    expect(layer.getClassName()).toBe('NasBatchNormalization');
    expect(layer.getConfig()).toEqual(tf.layers.batchNormalization({ momentum: 0.9, name: 'bn' }).getConfig());
  });
});
