/**
 * Depthwise convolutions and their gradients on the SIMD kernels, against the
 * cpu backend, with channel counts that exercise every SIMD width (20 = 16 + 4,
 * 6 = 4 + 1 + 1).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../engine/backend.ts';

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

interface Case {
  kernel: [number, number];
  stride: number;
  dilation: number;
  padding: 'same' | 'valid';
  multiplier: number;
}

const cases: Case[] = [];
for (const kernel of [
  [1, 1],
  [3, 3],
  [5, 5],
  [7, 7],
  [1, 7],
  [7, 1],
  [4, 4],
  [3, 5],
  [6, 6],
  [9, 9],
  [11, 11],
] as Array<[number, number]>) {
  for (const padding of ['same', 'valid'] as const) {
    for (const stride of [1, 2])
      cases.push({
        kernel,
        stride,
        dilation: 1,
        padding,
        multiplier: kernel[0] === 4 ? 2 : 1 /* a multiplier of 2 takes XNNPACK's path */,
      });
    cases.push({ kernel, stride: 1, dilation: 2, padding, multiplier: 1 });
  }
}

const label = (c: Case) =>
  `${c.kernel.join('x')} stride ${c.stride} dilation ${c.dilation} ${c.padding} x${c.multiplier}`;

async function depthwiseOn(backend: string, c: Case): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    // 21 channels: 16 + 4 + 1, every SIMD width.
    const x = tf.randomNormal([3, 25, 23, 21], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([c.kernel[0], c.kernel[1], 21, c.multiplier], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, w, c.stride, c.padding, 'NHWC', c.dilation);
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

describe('depthwise convolutions on the wasm SIMD kernel', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s matches the cpu backend', async (_label, c) => {
    const wasm = await depthwiseOn('wasm', c);
    const cpu = await depthwiseOn('cpu', c);
    expect(wasm.shape).toEqual(cpu.shape);
    let worst = 0;
    let scale = 0;
    cpu.data.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(wasm.data[i] - v));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-5);
  });

  // (tfjs has no gradient for dilated depthwise convolutions; tests/wasm-gradients.test.ts calls those kernels directly.)
  const gradientCases: Array<[number, number, number, 'same' | 'valid']> = [];
  for (const channels of [20, 6]) {
    gradientCases.push(
      [channels, 3, 1, 'same'],
      [channels, 5, 2, 'same'],
      [channels, 7, 2, 'valid'],
      [channels, 7, 1, 'same'],
    );
  }
  it.each(gradientCases)(
    '%i channels, %ix filter, stride %i, %s: dx and dw match the cpu backend',
    async (channels, k, stride, padding) => {
      const gradients = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.randomNormal([3, 15, 14, channels], 0, 1, 'float32', 3) as tf.Tensor4D;
          const w = tf.randomNormal([k, k, channels, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
          const loss = (a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding);
            return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
          };
          return tf
            .grads(loss)([x, w])
            .map((g) => g.dataSync() as Float32Array);
        });
      };
      const [wasm, cpu] = [await gradients('wasm'), await gradients('cpu')];
      cpu.forEach((expected, i) => {
        const scale = Math.max(...expected.map(Math.abs));
        expect(Math.max(...wasm[i].map((v, j) => Math.abs(v - expected[j]))) / scale).toBeLessThan(1e-4);
      });
    },
  );

  it('leaves nothing allocated but the gradients it returns', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 14, 14, 8]) as tf.Tensor4D;
    const w = tf.randomNormal([7, 7, 8, 1]) as tf.Tensor4D;
    const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const step = () =>
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
        )([x, w]),
      );
    step();
    const before = dataIds();
    step();
    expect(dataIds()).toBe(before);
    tf.dispose([x, w]);
  });
});
