/** Depthwise convolutions on the SIMD kernel (filter sizes XNNPACK runs slowly) against the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../workers/training/backend';
import { xnnpackDepthwiseIsFast } from '../workers/training/wasm/depthwise-forward';
import { convGeometry } from '../workers/training/wasm/geometry';

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
for (const kernel of [[7, 7], [1, 7], [7, 1], [4, 4], [3, 5], [6, 6], [9, 9], [11, 11]] as Array<[number, number]>) {
  for (const padding of ['same', 'valid'] as const) {
    for (const stride of [1, 2]) cases.push({ kernel, stride, dilation: 1, padding, multiplier: kernel[0] === 4 ? 2 : 1 /* a multiplier of 2 takes XNNPACK's path */ });
    cases.push({ kernel, stride: 1, dilation: 2, padding, multiplier: 1 });
  }
}

const label = (c: Case) => `${c.kernel.join('x')} stride ${c.stride} dilation ${c.dilation} ${c.padding} x${c.multiplier}`;

async function depthwiseOn(backend: string, c: Case): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 25, 23, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([c.kernel[0], c.kernel[1], 5, c.multiplier], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, w, c.stride, c.padding, 'NHWC', c.dilation);
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

describe('depthwise convolutions on the wasm SIMD kernel', () => {
  it('sends only filter sizes without a fast XNNPACK kernel to the SIMD kernel', () => {
    const geometry = (kh: number, kw: number) => convGeometry([8, 28, 28, 32], [kh, kw, 32, 1], 1, 1, 'same', undefined, true, 'NHWC');
    expect([[1, 1], [2, 2], [3, 3], [5, 5]].every(([kh, kw]) => xnnpackDepthwiseIsFast(geometry(kh, kw)))).toBe(true);
    expect([[7, 7], [1, 7], [4, 4], [3, 5]].some(([kh, kw]) => xnnpackDepthwiseIsFast(geometry(kh, kw)))).toBe(false);
  });

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

  it('leaves nothing allocated but its output', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 14, 14, 8]) as tf.Tensor4D;
    const w = tf.randomNormal([7, 7, 8, 1]) as tf.Tensor4D;
    const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    tf.depthwiseConv2d(x, w, 1, 'same').dispose();
    const before = dataIds();
    tf.depthwiseConv2d(x, w, 1, 'same').dispose();
    expect(dataIds()).toBe(before);
    tf.dispose([x, w]);
  });
});
