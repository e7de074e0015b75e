import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, countFlopsFromModel } from '../cells/builders/tfjs.ts';
import { graphCost } from '../cells/cost.ts';
import { NASNET_A, nasnetGraph, nasnetString, sampleNasnet } from '../cells/nasnet/index.ts';
import { selectBackend } from '../engine/backend.ts';

const input = { height: 28, width: 28, channels: 1 };

// The default CPU trainer's backend: wasm with this project's kernels.
beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => tf.disposeVariables());

describe('NASNet genotypes built with tfjs', () => {
  it('have exactly the params and FLOPs of the cost model, for 200 seeded random genotypes', () => {
    const rng = seedrandom('param-equality');
    const before = tf.memory().numTensors;
    const mismatches: string[] = [];
    for (let i = 0; i < 200; i++) {
      // Odd and even filter counts, one or two reductions, add and concat blocks.
      const network = { cellsPerStage: 1, reductions: 1 + (i % 2), filters: i % 3 === 0 ? 5 : 8 };
      const arch = sampleNasnet(rng, { combine: ['add', 'concat'], network });
      const graph = nasnetGraph(arch, input, 10);
      const cost = graphCost(graph);
      const model = buildModel(graph, `nasnet_${i}`);
      try {
        const built = { params: model.countParams(), flops: countFlopsFromModel(model) };
        if (built.params !== cost.params || built.flops !== cost.flops) {
          mismatches.push(`${nasnetString(arch)}: cost ${JSON.stringify(cost)} vs tfjs ${JSON.stringify(built)}`);
        }
      } finally {
        model.dispose();
      }
    }
    expect(mismatches).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('NASNet-A in its default network builds with the cost-model params and FLOPs', () => {
    const graph = nasnetGraph(NASNET_A, input, 10);
    const model = buildModel(graph, 'nasnet_a');
    try {
      expect({ params: model.countParams(), flops: countFlopsFromModel(model) }).toEqual(graphCost(graph));
      expect(graphCost(graph)).toEqual({ params: 338906, flops: 40940544 });
    } finally {
      model.dispose();
    }
  });

  it('NASNet-A (small network) predicts class probabilities and takes a training step', async () => {
    const before = tf.memory().numTensors;
    const graph = nasnetGraph({ ...NASNET_A, network: { cellsPerStage: 1, reductions: 2, filters: 8 } }, input, 10);
    const model = buildModel(graph, 'nasnet_a_small');
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 7);
    const y = tf.tensor2d([
      [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ]);
    const stemKernel = () => Array.from(model.getLayer('stem/conv').getWeights()[0].dataSync());
    try {
      const sums = tf.tidy(() => (model.predict(x) as tf.Tensor).sum(1));
      const rows = Array.from(sums.dataSync());
      sums.dispose();
      expect(rows.map((s) => Math.abs(s - 1) < 1e-4)).toEqual([true, true]);
      const kernelBefore = stemKernel();
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const loss = (await model.trainOnBatch(x, y)) as number;
      expect(Number.isFinite(loss)).toBe(true);
      // Gradients reach the first layer through every cell.
      expect(stemKernel()).not.toEqual(kernelBefore);
    } finally {
      tf.dispose([x, y]);
      model.optimizer?.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
