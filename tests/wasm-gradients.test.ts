/**
 * Gradient checks: the wasm gradient kernels against the pure-JS cpu backend.
 *
 * Undilated cases go through tf.grads (the gradient functions tfjs really
 * uses). tfjs's own conv/depthwise gradients reject dilation > 1, so dilated
 * cases call the wasm kernels directly and compare with cpu gradients of the
 * equivalent convolution whose filter has explicit zeros between the taps.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../engine/backend.ts';

const TOLERANCE = 1e-4;
type Kind = 'conv2d' | 'depthwise';
type Padding = 'same' | 'valid';

interface Case {
  kind: Kind;
  kernel: [number, number];
  stride: number;
  padding: Padding;
  batch: number;
  dilation: number;
  multiplier: number;
}

function randomArray(size: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

function shapes(c: Case): { x: [number, number, number, number]; w: [number, number, number, number] } {
  // Odd sizes for one example, even-by-odd for a batch, so that stride-2
  // windows sometimes leave the last row or column of x unread.
  const [h, w] = c.batch === 1 ? [9, 11] : [8, 7];
  const inC = 3;
  const outC = c.kind === 'conv2d' ? 4 : c.multiplier;
  return { x: [c.batch, h, w, inC], w: [c.kernel[0], c.kernel[1], inC, outC] };
}

function name(c: Case): string {
  const m = c.kind === 'depthwise' ? ` x${c.multiplier}` : '';
  return `${c.kind}${m} ${c.kernel.join('x')} stride ${c.stride} dilation ${c.dilation} ${c.padding} batch ${c.batch}`;
}

function forward(c: Case, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return c.kind === 'conv2d'
    ? tf.conv2d(x, w, c.stride, c.padding, 'NHWC', c.dilation)
    : tf.depthwiseConv2d(x, w, c.stride, c.padding, 'NHWC', c.dilation);
}

/** Weights the output with a fixed pattern so every output element matters. */
function weightedSum(y: tf.Tensor): tf.Scalar {
  const pattern = tf.sin(tf.range(0, y.size).reshape(y.shape));
  return tf.sum(tf.mul(y, pattern));
}

async function gradsOn(backend: string, c: Case, xData: Float32Array, wData: Float32Array) {
  await tf.setBackend(backend);
  const s = shapes(c);
  return tf.tidy(() => {
    const x = tf.tensor4d(xData, s.x);
    const w = tf.tensor4d(wData, s.w);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      weightedSum(forward(c, a as tf.Tensor4D, b as tf.Tensor4D)),
    )([x, w]);
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

/** The filter with (dilation - 1) zeros between taps: same output as the dilated convolution. */
function spreadFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const spread = tf.pad(w.reshape([kh, 1, kw, 1, ci, co]), [
    [0, 0],
    [0, d - 1],
    [0, 0],
    [0, d - 1],
    [0, 0],
    [0, 0],
  ]);
  const full = spread.reshape([kh * d, kw * d, ci, co]);
  return full.slice([0, 0, 0, 0], [(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co]) as tf.Tensor4D;
}

async function dilatedReferenceOnCpu(c: Case, xData: Float32Array, wData: Float32Array) {
  await tf.setBackend('cpu');
  const s = shapes(c);
  const undilated = { ...c, dilation: 1 };
  return tf.tidy(() => {
    const x = tf.tensor4d(xData, s.x);
    const w = tf.tensor4d(wData, s.w);
    // Differentiating through spreadFilter gives the gradient of the compact filter.
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      weightedSum(forward(undilated, a as tf.Tensor4D, spreadFilter(b as tf.Tensor4D, c.dilation))),
    )([x, w]);
    const dy = tf.grad((y: tf.Tensor) => weightedSum(y))(forward(undilated, x, spreadFilter(w, c.dilation)));
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice(), dy: dy.dataSync().slice(), dyShape: dy.shape };
  });
}

async function dilatedKernelsOnWasm(
  c: Case,
  xData: Float32Array,
  wData: Float32Array,
  dyData: tf.TypedArray,
  dyShape: number[],
) {
  await tf.setBackend('wasm');
  const s = shapes(c);
  const names =
    c.kind === 'conv2d'
      ? { input: 'Conv2DBackpropInput', filter: 'Conv2DBackpropFilter' }
      : { input: 'DepthwiseConv2dNativeBackpropInput', filter: 'DepthwiseConv2dNativeBackpropFilter' };
  return tf.tidy(() => {
    const x = tf.tensor4d(xData, s.x);
    const w = tf.tensor4d(wData, s.w);
    const dy = tf.tensor(dyData, dyShape);
    const attrs = { strides: c.stride, pad: c.padding, dilations: c.dilation, dataFormat: 'NHWC' };
    const dx = tf.engine().runKernel(names.input, { dy, filter: w }, {
      ...attrs,
      inputShape: s.x,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel(names.filter, { x, dy }, { ...attrs, filterShape: s.w } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

const KERNELS: Array<[number, number]> = [
  [1, 1],
  [3, 3],
  [5, 5],
  [7, 7],
  [1, 7],
  [7, 1],
];
const undilated: Case[] = [];
for (const kind of ['conv2d', 'depthwise'] as Kind[]) {
  for (const kernel of KERNELS) {
    for (const stride of [1, 2]) {
      for (const padding of ['same', 'valid'] as Padding[]) {
        for (const batch of [1, 8]) {
          const multiplier = kind === 'depthwise' && kernel[0] === 3 && batch === 8 ? 2 : 1;
          undilated.push({ kind, kernel, stride, padding, batch, dilation: 1, multiplier });
        }
      }
    }
  }
}
const dilated: Case[] = [];
for (const kind of ['conv2d', 'depthwise'] as Kind[]) {
  for (const kernel of [
    [3, 3],
    [1, 3],
    [3, 1],
  ] as Array<[number, number]>) {
    for (const padding of ['same', 'valid'] as Padding[]) {
      for (const batch of [1, 8]) {
        dilated.push({
          kind,
          kernel,
          stride: 1,
          padding,
          batch,
          dilation: 2,
          multiplier: kind === 'depthwise' && batch === 8 ? 2 : 1,
        });
      }
    }
  }
}

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

describe('wasm conv gradients match the cpu backend', () => {
  it.each(undilated.map((c) => [name(c), c] as const))('%s', async (_label, c) => {
    const s = shapes(c);
    const xData = randomArray(
      s.x.reduce((a, b) => a * b),
      `x ${name(c)}`,
    );
    const wData = randomArray(
      s.w.reduce((a, b) => a * b),
      `w ${name(c)}`,
    );
    const wasm = await gradsOn('wasm', c, xData, wData);
    const cpu = await gradsOn('cpu', c, xData, wData);
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(dilated.map((c) => [name(c), c] as const))('%s', async (_label, c) => {
    const s = shapes(c);
    const xData = randomArray(
      s.x.reduce((a, b) => a * b),
      `x ${name(c)}`,
    );
    const wData = randomArray(
      s.w.reduce((a, b) => a * b),
      `w ${name(c)}`,
    );
    const reference = await dilatedReferenceOnCpu(c, xData, wData);
    const wasm = await dilatedKernelsOnWasm(c, xData, wData, reference.dy, reference.dyShape);
    expect(relativeError(wasm.dx, reference.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm.dw, reference.dw)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('frees every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const c: Case = {
      kind: 'conv2d',
      kernel: [3, 3],
      stride: 2,
      padding: 'valid',
      batch: 8,
      dilation: 1,
      multiplier: 1,
    };
    const s = shapes(c);
    const x = tf.randomNormal(s.x);
    const w = tf.randomNormal(s.w);
    const before = tf.memory().numTensors;
    const backendBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      weightedSum(forward(c, a as tf.Tensor4D, b as tf.Tensor4D)),
    )([x, w]);
    tf.dispose([dx, dw]);
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(backendBefore);
    tf.dispose([x, w]);
  });
});

describe('wasm 1x1 convolution filter gradients (the SIMD kernel) match the cpu backend', () => {
  // Channels in whole SIMD blocks (inputs by 4, outputs by 8); 297 or 90 positions: chunks of 64 and a tail.
  const cases: Array<[number, number, number, Padding]> = [
    [8, 16, 1, 'same'],
    [12, 8, 2, 'valid'],
    [4, 24, 2, 'same'],
  ];
  it.each(cases)('%i -> %i channels, stride %i, %s', async (inC, outC, stride, padding) => {
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.randomNormal([3, 9, 11, inC], 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal([1, 1, inC, outC], 0, 1, 'float32', 2) as tf.Tensor4D;
        return tf
          .grad((b: tf.Tensor) => weightedSum(tf.conv2d(x, b as tf.Tensor4D, stride, padding)))(w)
          .dataSync()
          .slice();
      });
    };
    expect(relativeError(await grad('wasm'), await grad('cpu'))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('wasm pooling and matmul gradients match the cpu backend', () => {
  const pools: Array<{ pool: number; stride: number; padding: Padding; batch: number }> = [
    { pool: 2, stride: 2, padding: 'valid', batch: 8 },
    { pool: 2, stride: 2, padding: 'same', batch: 1 },
    { pool: 3, stride: 1, padding: 'same', batch: 8 },
    { pool: 3, stride: 2, padding: 'same', batch: 1 },
    { pool: 3, stride: 2, padding: 'valid', batch: 8 },
  ];
  it.each(pools.map((p) => [`avgPool ${p.pool} stride ${p.stride} ${p.padding} batch ${p.batch}`, p] as const))(
    '%s',
    async (label, p) => {
      const shape: [number, number, number, number] = [p.batch, 9, 7, 3];
      const data = randomArray(
        shape.reduce((a, b) => a * b),
        label,
      );
      const grad = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => weightedSum(tf.avgPool(x as tf.Tensor4D, p.pool, p.stride, p.padding)))(
              tf.tensor4d(data, shape),
            )
            .dataSync()
            .slice(),
        );
      };
      expect(relativeError(await grad('wasm'), await grad('cpu'))).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it.each(pools.map((p) => [`maxPool ${p.pool} stride ${p.stride} ${p.padding} batch ${p.batch}`, p] as const))(
    '%s, with tied maxima',
    async (label, p) => {
      // Six channels: four through the SIMD lanes, two one at a time.
      const shape: [number, number, number, number] = [p.batch, 9, 7, 6];
      // Values rounded to a few levels and clipped at 0 (as after relu) make ties common.
      const data = randomArray(
        shape.reduce((a, b) => a * b),
        label,
      ).map((v) => Math.max(0, Math.round(v * 3)));
      const grad = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() =>
          tf
            .grad((x: tf.Tensor) => weightedSum(tf.maxPool(x as tf.Tensor4D, p.pool, p.stride, p.padding)))(
              tf.tensor4d(data, shape),
            )
            .dataSync()
            .slice(),
        );
      };
      expect(relativeError(await grad('wasm'), await grad('cpu'))).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  const products: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [5, 7], b: [7, 3], ta: false, tb: false },
    { a: [7, 5], b: [7, 3], ta: true, tb: false },
    { a: [5, 7], b: [3, 7], ta: false, tb: true },
    { a: [2, 7, 5], b: [2, 3, 7], ta: true, tb: true },
  ];
  it.each(products.map((m) => [`matMul ${m.a}x${m.b} transposeA ${m.ta} transposeB ${m.tb}`, m] as const))(
    '%s',
    async (label, m) => {
      const aData = randomArray(
        m.a.reduce((x, y) => x * y),
        `a ${label}`,
      );
      const bData = randomArray(
        m.b.reduce((x, y) => x * y),
        `b ${label}`,
      );
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const f = (a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.matMul(a, b, m.ta, m.tb));
          const a = tf.tensor(aData, m.a);
          const b = tf.tensor(bData, m.b);
          const [da, db] = tf.grads(f)([a, b]);
          return {
            y: tf.matMul(a, b, m.ta, m.tb).dataSync().slice(),
            da: da.dataSync().slice(),
            db: db.dataSync().slice(),
          };
        });
      };
      const wasm = await run('wasm');
      const cpu = await run('cpu');
      expect(relativeError(wasm.y, cpu.y)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(wasm.da, cpu.da)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(wasm.db, cpu.db)).toBeLessThanOrEqual(TOLERANCE);
    },
  );
});
