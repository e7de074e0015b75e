/**
 * Every op of every search space (NASNet ops, MBConv and inverted-residual blocks) and every layer
 * kind of the named networks, on the wasm backend (with this project's kernels) against the cpu
 * backend: strides 1 and 2, odd and even sizes, inference and training outputs and the gradients
 * with respect to the input and every weight.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../engine/backend.ts';
import { kindCases, mbconvCases, nasnetCases, type ConformanceCase } from './support/conformance-graphs.ts';
import { runGraph, seededInputs, type GraphRun } from './support/conformance-run.ts';

/**
 * Largest |wasm - cpu| allowed, relative to the largest |cpu| of the same result (at least 1).
 * Float32 reorderings stay below 2.4e-6 here; the wrong 'same' padding of tfjs#6629 (before
 * kernels/explicit-same-padding.ts) gave 0.95 and 0.89 on the outputs of conv_1x3_3x1 and
 * conv_1x7_7x1 at stride 2 on 8x8, and up to 94 on their gradients.
 */
const TOLERANCE = 1e-4;

function relativeDifferences(wasm: GraphRun, cpu: GraphRun): Array<{ label: string; difference: number }> {
  return cpu.outputs.map((expected, i) => {
    const actual = wasm.outputs[i];
    if (actual.label !== expected.label || actual.shape.join() !== expected.shape.join()) {
      return { label: `${expected.label} (wasm gave ${actual.label} ${actual.shape})`, difference: Infinity };
    }
    let difference = 0;
    let scale = 1;
    for (let k = 0; k < expected.values.length; k++) {
      difference = Math.max(difference, Math.abs(actual.values[k] - expected.values[k]));
      scale = Math.max(scale, Math.abs(expected.values[k]));
    }
    return { label: expected.label, difference: difference / scale };
  });
}

async function compare({ label, graph }: ConformanceCase): Promise<void> {
  await tf.setBackend('cpu');
  const inputs = seededInputs(graph, label);
  const cpu = runGraph(graph, inputs);
  await tf.setBackend('wasm');
  const wasm = runGraph(graph, inputs);
  const over = relativeDifferences(wasm, cpu).filter((d) => !(d.difference <= TOLERANCE));
  expect(over, `${label}: results beyond ${TOLERANCE} of the cpu backend's`).toEqual([]);
}

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

describe('the wasm backend computes what the cpu backend computes', () => {
  it.each(nasnetCases().map((c) => [c.label, c] as const))('%s', async (_label, c) => compare(c));
  it.each(mbconvCases().map((c) => [c.label, c] as const))('%s', async (_label, c) => compare(c));
  it.each(kindCases().map((c) => [c.label, c] as const))('%s', async (_label, c) => compare(c));
});
