import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectureGraph } from '../cells/architecture.ts';
import { baselineByName } from '../cells/baselines/registry.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { selectBackend } from '../engine/backend.ts';
import { crossEntropy } from '../engine/metrics.ts';
import {
  activationBytesPerSample,
  chunkSizes,
  microBatchSize,
  threadMicroBatchSize,
  stepMemoryBudget,
  TRAINING_BYTES_PER_ACTIVATION_BYTE,
} from '../engine/micro-batches.ts';

const buildBaseline = (name: string) =>
  buildModel(architectureGraph(baselineByName(name).architecture, { height: 28, width: 28, channels: 1 }, 10));

/** Peak bytes of one SGD step, per sample: the batch-4 step minus the batch-2 step, halved. */
async function measuredStepBytesPerSample(model: tf.LayersModel): Promise<number> {
  const optimizer = tf.train.sgd(0.01);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const peaks: number[] = [];
  for (const n of [2, 4]) {
    const x = tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i),
      'int32',
    );
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => {
      optimizer.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y), false, variables);
    });
    peaks.push(profile.peakBytes - before);
    tf.dispose([x, y]);
  }
  optimizer.dispose();
  return (peaks[1] - peaks[0]) / 2;
}

beforeAll(async () => {
  await selectBackend('wasm', { log: () => {} });
});

describe('micro-batches', () => {
  it('splits a batch into the fewest near-equal chunks', () => {
    expect(chunkSizes(64, 64)).toEqual([64]);
    expect(chunkSizes(64, 18)).toEqual([16, 16, 16, 16]);
    expect(chunkSizes(10, 4)).toEqual([4, 3, 3]);
    expect(chunkSizes(7, 1)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('gives every thread as many micro-batches, at most the memory limit', () => {
    expect(threadMicroBatchSize(128, 128, 1)).toBe(128);
    expect(threadMicroBatchSize(128, 31, 1)).toBe(31);
    expect(threadMicroBatchSize(128, 128, 2)).toBe(64);
    expect(chunkSizes(128, threadMicroBatchSize(128, 31, 2))).toEqual([22, 22, 21, 21, 21, 21]);
    expect(chunkSizes(32, threadMicroBatchSize(32, 8, 3))).toEqual([6, 6, 5, 5, 5, 5]);
  });

  it('keeps the whole batch without a memory limit and never goes below one sample', () => {
    expect(microBatchSize(64, 1e9, null)).toBe(64);
    expect(microBatchSize(64, 1e12, stepMemoryBudget('wasm'))).toBe(1);
    expect(stepMemoryBudget('tensorflow')).toBeNull();
  });

  it('over-estimates the measured step memory of small and large baselines on wasm', async () => {
    for (const name of ['lenet5', 'mobilenetv2-small', 'nasnet-a']) {
      const model = buildBaseline(name);
      try {
        const estimate = activationBytesPerSample(model) * TRAINING_BYTES_PER_ACTIVATION_BYTE;
        const measured = await measuredStepBytesPerSample(model);
        expect(measured, name).toBeGreaterThan(0);
        expect(measured, name).toBeLessThanOrEqual(estimate);
      } finally {
        model.dispose();
      }
    }
  });

  it('splits NASNet-A at batch 64 on wasm, which exhausts the 4 GiB heap whole, and leaves LeNet-5 whole', () => {
    const nasnet = buildBaseline('nasnet-a');
    const lenet = buildBaseline('lenet5');
    try {
      const nasnetMicro = microBatchSize(64, activationBytesPerSample(nasnet), stepMemoryBudget('wasm'));
      expect(nasnetMicro).toBeGreaterThan(1);
      expect(nasnetMicro).toBeLessThan(32);
      expect(microBatchSize(64, activationBytesPerSample(lenet), stepMemoryBudget('wasm'))).toBe(64);
    } finally {
      nasnet.dispose();
      lenet.dispose();
    }
  });
});
