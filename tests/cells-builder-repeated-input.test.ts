import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { architectureGraph, validateArchitecture } from '../cells/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';

/** A sampled cell whose block adds identity(h[i-1]) to itself, while a pool also reads h[i-1]. */
const SELF_ADDING_CELL = validateArchitecture({
  family: 'nasnet',
  version: 1,
  normal: {
    blocks: [
      { inputs: [0, 1], ops: ['identity', 'max_pool_3x3'], combine: 'add' },
      { inputs: [1, 1], ops: ['identity', 'identity'], combine: 'add' },
    ],
  },
  reduction: {
    blocks: [
      { inputs: [0, 0], ops: ['identity', 'avg_pool_3x3'], combine: 'add' },
      { inputs: [1, 2], ops: ['sep_conv_3x3', 'sep_conv_3x3'], combine: 'add' },
    ],
  },
  network: { cellsPerStage: 1, reductions: 1, filters: 4 },
});

describe('a layer that reads one tensor twice', () => {
  it('runs forward and trains: the shared tensor is not freed while another layer needs it', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(architectureGraph(SELF_ADDING_CELL, { height: 28, width: 28, channels: 1 }, 10));
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 10);
    const optimizer = tf.train.sgd(0.1);
    try {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
      );
      expect(Number.isFinite(loss!.dataSync()[0])).toBe(true);
      loss!.dispose();
      const probabilities = model.predict(x) as tf.Tensor;
      expect(probabilities.shape).toEqual([2, 10]);
      probabilities.dispose();
    } finally {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
    }
  });
});
