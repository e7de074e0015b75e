import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, countFlopsFromModel } from '../cells/builders/tfjs.ts';
import { graphCost, inferShapes } from '../cells/cost.ts';
import {
  efficientNetGraph,
  efficientNetString,
  sampleEfficientNet,
  type EfficientNetSpaceConfig,
} from '../cells/efficientnet/index.ts';
import type { EfficientNetArchitecture } from '../contracts/genotypes.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A three-stage base so that 200 models build in seconds; the search decisions are the full ones. */
const TINY_BASE: EfficientNetArchitecture = {
  family: 'efficientnet',
  version: 1,
  stemFilters: 8,
  stages: [
    { kernel: 3, expansion: 1, repeats: 1, filters: 8, strides: 1 },
    { kernel: 3, expansion: 6, repeats: 1, filters: 16, strides: 2 },
    { kernel: 5, expansion: 6, repeats: 1, filters: 24, strides: 2 },
  ],
  headFilters: 32,
  scaling: { alpha: 1.2, beta: 1.1, gamma: 1.15, phi: 0 },
};
const SPACE: Partial<EfficientNetSpaceConfig> = {
  base: TINY_BASE,
  repeats: [1, 2],
  grid: { step: 0.1, tolerance: 0.1, max: 1.5 },
  phis: [0, 1, 2],
};
const INPUTS = [
  { height: 12, width: 12, channels: 1 },
  { height: 16, width: 16, channels: 3 },
];

describe('EfficientNet genotypes build as the cost model says', () => {
  it('200 seeded random genotypes: countParams and model FLOPs equal graphCost', () => {
    const rng = seedrandom('efficientnet-build');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const arch = sampleEfficientNet(rng, SPACE);
      seen.add(efficientNetString(arch));
      const input = INPUTS[i % INPUTS.length];
      const graph = efficientNetGraph(arch, input, 5);
      const cost = graphCost(graph);
      const model = buildModel(graph);
      try {
        expect([efficientNetString(arch), model.countParams(), countFlopsFromModel(model)]).toEqual([
          efficientNetString(arch),
          cost.params,
          cost.flops,
        ]);
      } finally {
        model.dispose();
      }
    }
    expect(seen.size).toBeGreaterThan(190);
  });

  it('runs a resized, scaled network forward to class probabilities', () => {
    const arch = { ...TINY_BASE, scaling: { ...TINY_BASE.scaling, phi: 2 } };
    const graph = efficientNetGraph(arch, INPUTS[0], 5);
    expect(graph.nodes[1]).toMatchObject({ op: 'resize', height: 16, width: 16 }); // 12 * 1.3225 = 15.87
    expect(inferShapes(graph)[graph.output]).toEqual([5]);
    const model = buildModel(graph);
    const x = tf.randomUniform([2, 12, 12, 1], 0, 1, 'float32', 3);
    const y = model.predict(x) as tf.Tensor;
    try {
      expect(y.shape).toEqual([2, 5]);
      const sums = tf.tidy(() => tf.sum(y, 1).arraySync() as number[]);
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });
});
