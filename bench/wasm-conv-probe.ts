/**
 * Probe: the wasm backend (with this project's kernels) against the cpu
 * backend on windowed ops (convolutions, fused convolutions, depthwise
 * convolutions, pooling) over kernel shapes, strides, odd and even sizes and
 * both paddings, forward and gradients (for a fixed random dy). Prints every
 * case whose max difference, relative to the cpu result's largest magnitude,
 * exceeds 1e-4. `node bench/wasm-conv-probe.ts`
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend.ts';

const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

type Padding = 'same' | 'valid';
type Case = { label: string; run: () => tf.Tensor[] };

/** The op's output, then the gradients of sum(output * dy) for a seeded dy, for each input. */
function withGradients(f: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): tf.Tensor[] {
  const y = f(...inputs);
  const dy = seeded(y.shape, 3);
  return [
    y,
    ...tf.grads((...xs: tf.Tensor[]) =>
      f(...xs)
        .mul(dy)
        .sum(),
    )(inputs),
  ];
}

function convCase(
  fused: boolean,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  size: number,
  padding: Padding,
): Case {
  const conv = (x: tf.Tensor, w: tf.Tensor) =>
    fused
      ? tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: [sh, sw], pad: padding })
      : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [sh, sw], padding);
  return {
    label: `${fused ? 'fused.' : ''}conv2d ${kh}x${kw} s${sh}x${sw} ${size}x${size} ${padding}`,
    run: () => withGradients(conv, [seeded([2, size, size, 3], 1), seeded([kh, kw, 3, 4], 2)]),
  };
}

function depthwiseCase(
  fused: boolean,
  kh: number,
  kw: number,
  s: number,
  multiplier: number,
  size: number,
  padding: Padding,
): Case {
  const conv = (x: tf.Tensor, w: tf.Tensor) =>
    fused
      ? tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: s, pad: padding })
      : tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, padding);
  return {
    label: `${fused ? 'fused.' : ''}depthwise ${kh}x${kw} x${multiplier} s${s} ${size}x${size} ${padding}`,
    run: () => withGradients(conv, [seeded([2, size, size, 3], 1), seeded([kh, kw, 3, multiplier], 2)]),
  };
}

function poolCase(kind: 'max' | 'avg', k: number, s: number, size: number, padding: Padding): Case {
  const pool = (x: tf.Tensor) =>
    kind === 'max' ? tf.maxPool(x as tf.Tensor4D, k, s, padding) : tf.avgPool(x as tf.Tensor4D, k, s, padding);
  return {
    label: `${kind}Pool ${k}x${k} s${s} ${size}x${size} ${padding}`,
    run: () => withGradients(pool, [seeded([2, size, size, 3], 1)]),
  };
}

/** Max absolute difference relative to the cpu result's largest magnitude (at least 1). */
function relativeDiff(wasm: tf.Tensor, cpu: tf.Tensor): number {
  if (wasm.shape.join() !== cpu.shape.join()) return Infinity;
  const x = wasm.dataSync();
  const y = cpu.dataSync();
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
}

function cases(): Case[] {
  const all: Case[] = [];
  const kernels = [1, 2, 3, 5, 7];
  const strides = [
    [1, 1],
    [2, 2],
    [1, 2],
    [2, 1],
    [3, 3],
  ];
  for (const size of [7, 8, 15, 16]) {
    for (const padding of ['same', 'valid'] as const) {
      for (const fused of [false, true]) {
        for (const kh of kernels)
          for (const kw of kernels)
            for (const [sh, sw] of strides) {
              all.push(convCase(fused, kh, kw, sh, sw, size, padding));
            }
        for (const k of kernels)
          for (const s of [1, 2, 3])
            for (const multiplier of [1, 2]) {
              all.push(depthwiseCase(fused, k, k, s, multiplier, size, padding));
              all.push(depthwiseCase(fused, 1, k, s, multiplier, size, padding));
            }
      }
      for (const k of kernels)
        for (const s of [1, 2, 3]) {
          all.push(poolCase('max', k, s, size, padding));
          all.push(poolCase('avg', k, s, size, padding));
        }
    }
  }
  return all;
}

async function main(): Promise<void> {
  await selectBackend('wasm', { threads: 1, log: () => {} });
  await tf.setBackend('cpu');
  const all = cases();
  let wrong = 0;
  let worst = 0;
  for (const c of all) {
    const diffs = tf.tidy(() => {
      tf.setBackend('wasm');
      const wasm = c.run().map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
      tf.setBackend('cpu');
      return c.run().map((t, i) => relativeDiff(tf.tensor(wasm[i].data, wasm[i].shape), t));
    });
    worst = Math.max(worst, ...diffs);
    if (diffs.some((d) => d > 1e-4)) {
      wrong++;
      console.log(
        `${c.label}: forward ${diffs[0].toPrecision(2)}, gradients ${diffs
          .slice(1)
          .map((d) => d.toPrecision(2))
          .join(', ')}`,
      );
    }
  }
  console.log(
    `${wrong} of ${all.length} cases differ by more than 1e-4 (largest relative difference ${worst.toPrecision(2)})`,
  );
}

await main();
