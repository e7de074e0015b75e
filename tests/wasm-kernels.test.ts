/** The wasm heap-copy kernels (Slice, SplitV, Tile, Concat) against the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../engine/backend.ts';
import { onBoth } from './support/backends.ts';

const values = (shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
  tf
    .range(
      0,
      shape.reduce((a, b) => a * b, 1),
      1,
      dtype,
    )
    .reshape(shape);

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

describe('wasm layout kernels match the cpu backend', () => {
  const slices: Array<[string, number[], number[], number[]]> = [
    ['channels of NHWC', [2, 3, 4, 5], [0, 0, 0, 1], [-1, -1, -1, 3]],
    ['spatial crop', [2, 5, 6, 40], [0, 1, 2, 0], [2, 3, 3, 40]],
    ['rows of a matrix', [7, 9], [2, 0], [3, 9]],
    ['inner box of rank 5', [2, 3, 4, 3, 2], [1, 1, 0, 1, 0], [1, 2, 4, 2, 1]],
    ['empty', [3, 4], [1, 1], [0, 2]],
  ];
  it.each(slices)('slice: %s', async (_label, shape, begin, size) => {
    const r = await onBoth(() =>
      tf.tidy(() => {
        const y = tf.slice(values(shape), begin, size);
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      }),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  it('slices int32 and bool tensors', async () => {
    const r = await onBoth(() =>
      tf.tidy(() => [
        Array.from(tf.slice(values([4, 6], 'int32'), [1, 2], [2, 3]).dataSync()),
        Array.from(tf.slice(tf.greater(values([4, 6]), 10), [1, 1], [3, 2]).dataSync()),
      ]),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  it('splits along channels (the gradient of a concatenation)', async () => {
    const r = await onBoth(() =>
      tf.tidy(() =>
        tf.split(values([2, 3, 3, 10]), [4, 1, 5], 3).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })),
      ),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  const tiles: Array<[string, number[], number[]]> = [
    ['per-channel vector to a batch', [1, 1, 1, 5], [4, 3, 2, 1]],
    ['every axis', [2, 3, 2], [3, 1, 2]],
    ['vector', [3], [4]],
    ['matrix rows', [2, 3], [1, 3]],
  ];
  it.each(tiles)('tile: %s', async (_label, shape, reps) => {
    const r = await onBoth(() =>
      tf.tidy(() => {
        const y = tf.tile(values(shape), reps);
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      }),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  const concats: Array<[string, number[][], number]> = [
    [
      'channels of NHWC (a NASNet cell output)',
      [
        [2, 3, 4, 5],
        [2, 3, 4, 2],
        [2, 3, 4, 7],
      ],
      3,
    ],
    [
      'rows',
      [
        [2, 3, 4],
        [2, 5, 4],
      ],
      1,
    ],
    [
      'the first axis',
      [
        [3, 2],
        [1, 2],
      ],
      0,
    ],
    [
      'with an empty input',
      [
        [2, 0, 3],
        [2, 4, 3],
      ],
      1,
    ],
  ];
  it.each(concats)('concat: %s', async (_label, shapes, axis) => {
    const r = await onBoth(() =>
      tf.tidy(() => {
        const y = tf.concat(
          shapes.map((shape, i) => tf.add(values(shape), i * 1000)),
          axis,
        );
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      }),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  it('concatenates int32 and bool tensors', async () => {
    const r = await onBoth(() =>
      tf.tidy(() => [
        Array.from(tf.concat([values([2, 3], 'int32'), values([2, 2], 'int32')], 1).dataSync()),
        Array.from(tf.concat([tf.greater(values([2, 3]), 2), tf.greater(values([1, 3]), 0)], 0).dataSync()),
      ]),
    );
    expect(r.wasm).toEqual(r.cpu);
  });

  it('leaves string slices to the backend kernel', async () => {
    await tf.setBackend('wasm');
    const t = tf.tensor1d(['a', 'b', 'c']);
    expect(await tf.slice(t, [1], [2]).array()).toEqual(['b', 'c']);
  });
});
