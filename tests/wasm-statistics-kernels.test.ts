/** The wasm Sum, Mean, Identity, Cast, FusedBatchNorm and batch-norm gradient kernels against the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_MOMENTS_KERNEL } from '../contracts/kernel-names.ts';
import { batchNormInTraining } from '../cells/builders/batch-norm.ts';
import { selectBackend } from '../engine/backend.ts';
import { onBoth } from './support/backends.ts';

const normal = (shape: number[], seed: number, mean = 0, std = 1) => tf.randomNormal(shape, mean, std, 'float32', seed);
const read = (t: tf.Tensor) => ({ shape: t.shape, data: Array.from(t.dataSync()) });

function expectClose(
  actual: { shape: number[]; data: number[] },
  expected: { shape: number[]; data: number[] },
  tolerance: number,
): void {
  expect(actual.shape).toEqual(expected.shape);
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  const worst = Math.max(0, ...actual.data.map((v, i) => Math.abs(v - expected.data[i])));
  expect(worst / scale).toBeLessThan(tolerance);
}

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

describe('wasm reductions over leading axes match the cpu backend', () => {
  const cases: Array<[string, number[], number | number[], boolean]> = [
    ['batch statistics of NHWC', [8, 7, 5, 6], [0, 1, 2], false],
    ['batch statistics, keepDims', [8, 7, 5, 6], [2, 0, 1], true],
    ['over the batch of a matrix', [33, 10], 0, false],
    ['negative axes', [4, 3, 9], [-3, -2], true],
    ['not leading (backend kernel)', [4, 5, 6], [1, 2], false],
    ['every axis (backend kernel)', [4, 5, 6], [0, 1, 2], false],
    ['a single row (backend kernel)', [1, 5, 6], [0], false],
  ];
  it.each(cases)('sum and mean: %s', async (_label, shape, axis, keepDims) => {
    const r = await onBoth(() =>
      tf.tidy(() => {
        const x = normal(shape, 1, 3, 2);
        return [read(tf.sum(x, axis, keepDims)), read(tf.mean(x, axis, keepDims))];
      }),
    );
    expectClose(r.wasm[0], r.cpu[0], 1e-5);
    expectClose(r.wasm[1], r.cpu[1], 1e-5);
  });

  it('sums int32 tensors with the backend kernel', async () => {
    const r = await onBoth(() =>
      tf.tidy(() => Array.from(tf.sum(tf.range(0, 24, 1, 'int32').reshape([4, 6]), 0).dataSync())),
    );
    expect(r.wasm).toEqual(r.cpu);
  });
});

describe('wasm Identity and Cast share the input instead of copying', () => {
  it('a clone keeps its values after the original is disposed', async () => {
    await tf.setBackend('wasm');
    const x = normal([3, 4], 2);
    const expected = Array.from(x.dataSync());
    const copy = x.clone();
    const sameType = tf.cast(x, 'float32');
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    expect(Array.from(sameType.dataSync())).toEqual(expected);
    tf.dispose([copy, sameType]);
  });

  it('casts to another type still convert', async () => {
    const r = await onBoth(() => tf.tidy(() => Array.from(tf.cast(tf.tensor1d([1.7, -2.2, 0]), 'int32').dataSync())));
    expect(r.wasm).toEqual(r.cpu);
  });
});

describe('wasm FusedBatchNorm matches the cpu backend', () => {
  const cases: Array<[string, number[], boolean, boolean]> = [
    ['NHWC with offset and scale', [4, 5, 3, 8], true, true],
    ['without offset', [2, 6, 6, 3], false, true],
    ['without scale', [2, 6, 6, 3], true, false],
    ['a matrix', [10, 7], true, true],
  ];
  it.each(cases)('%s', async (_label, shape, withOffset, withScale) => {
    const channels = shape[shape.length - 1];
    const r = await onBoth(() =>
      tf.tidy(() => {
        const x = normal(shape, 3, 1, 2);
        const offset = withOffset ? normal([channels], 4) : undefined;
        const scale = withScale ? normal([channels], 5, 1, 0.3) : undefined;
        const variance = tf.abs(normal([channels], 6, 2));
        return read(tf.batchNorm(x, normal([channels], 7), variance, offset, scale, 1e-3));
      }),
    );
    expectClose(r.wasm, r.cpu, 1e-5);
  });

  it('leaves full-shape parameters to the backend kernel', async () => {
    const r = await onBoth(() =>
      tf.tidy(() => {
        const x = normal([2, 3, 4], 8);
        return read(
          tf.batchNorm(x, normal([2, 3, 4], 9), tf.abs(normal([2, 3, 4], 10, 1)), undefined, undefined, 1e-3),
        );
      }),
    );
    expectClose(r.wasm, r.cpu, 1e-5);
  });
});

describe('the batch-norm layer on wasm (SIMD statistics and gradient kernels)', () => {
  it.each([6, 20])('batch mean and variance match the cpu backend with %i channels', async (channels) => {
    await tf.setBackend('wasm');
    expect(tf.getKernel(BATCH_NORM_MOMENTS_KERNEL, 'wasm')).toBeDefined();
    const r = await onBoth(() =>
      tf.tidy(() => {
        const { y, mean, variance } = batchNormInTraining(
          normal([4, 7, 5, channels], 15, 2, 3),
          tf.ones([channels]),
          tf.zeros([channels]),
          1e-3,
        );
        return [read(y), read(mean), read(variance)];
      }),
    );
    r.cpu.forEach((expected, i) => expectClose(r.wasm[i], expected, 1e-5));
  });

  it.each([6, 20])('the gradient matches the cpu backend with %i channels', async (channels) => {
    await tf.setBackend('wasm');
    expect(tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'wasm')).toBeDefined();
    const r = await onBoth(() =>
      tf.tidy(() => {
        const x = normal([4, 7, 5, channels], 11, 2, 3);
        const gamma = normal([channels], 12, 1, 0.3) as tf.Tensor1D;
        const beta = normal([channels], 13) as tf.Tensor1D;
        const projection = normal(x.shape, 14);
        const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { y, mean, variance } = batchNormInTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3);
          tf.dispose([mean, variance]);
          return tf.sum(tf.mul(y, projection));
        };
        return tf.grads(loss)([x, gamma, beta]).map(read);
      }),
    );
    r.cpu.forEach((expected, i) => expectClose(r.wasm[i], expected, 1e-5));
  });
});

describe('the ReLU gradient on wasm (one SIMD pass)', () => {
  it('matches the cpu backend, at zero and NaN too', async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel('NasReluGrad', 'wasm')).toBeDefined();
    const r = await onBoth(() =>
      tf.tidy(() => {
        // 105 elements: 26 SIMD groups of four and one left over, which is NaN.
        const values = Array.from(normal([3, 5, 7], 16).dataSync());
        values[3] = 0;
        values[5] = NaN;
        values[104] = NaN;
        const x = tf.tensor(values, [3, 5, 7]);
        const projection = normal([3, 5, 7], 17);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), projection)))(x);
        return Array.from(dx.dataSync()).map((v) => (Number.isNaN(v) ? 'NaN' : v));
      }),
    );
    expect(r.wasm).toEqual(r.cpu);
  });
});
