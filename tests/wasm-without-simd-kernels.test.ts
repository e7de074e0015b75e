/**
 * The composed depthwise kernels that take over when the SIMD kernels were
 * not assembled (wasm backend initialised without selectBackend): same
 * results as the cpu backend. This file never calls compileSimdKernels, and
 * vitest gives every test file fresh modules.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWasmBackend } from '../kernels/loader.ts';
import { registerWasmGradientKernels } from '../kernels/register.ts';

beforeAll(async () => {
  registerWasmGradientKernels();
  await loadWasmBackend(1);
});

const cases: Array<[number, number, 'same' | 'valid']> = [
  [3, 2, 'same'],
  [7, 1, 'same'],
  [7, 2, 'valid'],
  [5, 1, 'valid'],
];

async function depthwiseAndGradients(
  backend: string,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 13, 12, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, 4, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const loss = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding);
      return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
    };
    const [dx, dw] = tf.grads(loss)([x, w]);
    return [tf.depthwiseConv2d(x, w, stride, padding), dx, dw].map((t) => t.dataSync() as Float32Array);
  });
}

describe('wasm kernels without the SIMD kernels', () => {
  it('max pooling gradient, with tied maxima, matches the cpu backend', async () => {
    const gradient = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.relu(tf.round(tf.mul(tf.randomNormal([3, 9, 8, 6], 0, 1, 'float32', 3), 3)));
        const loss = (a: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, 3, 2, 'same');
          return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
        };
        return tf.grad(loss)(x).dataSync() as Float32Array;
      });
    };
    const [wasm, cpu] = [await gradient('wasm'), await gradient('cpu')];
    expect(Math.max(...wasm.map((v, i) => Math.abs(v - cpu[i])))).toBeLessThan(1e-5);
  });

  it.each(cases)(
    'depthwise filter %i, stride %i, %s padding: forward, dx and dw match the cpu backend',
    async (kernel, stride, padding) => {
      const wasm = await depthwiseAndGradients('wasm', kernel, stride, padding);
      const cpu = await depthwiseAndGradients('cpu', kernel, stride, padding);
      cpu.forEach((expected, k) => {
        const scale = Math.max(...expected.map(Math.abs));
        const worst = Math.max(...wasm[k].map((v, i) => Math.abs(v - expected[i])));
        expect(worst / scale).toBeLessThan(1e-4);
      });
    },
  );
});
