/**
 * A sampled path of the weight-sharing network computes what the standalone network of the same
 * genotype computes when it holds the weights the path reads: the same class probabilities and
 * the same gradients (batch norm in training mode, on the batch's statistics).
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, layerNameFor } from '../cells/builders/tfjs.ts';
import { nasnetString, resolveNasnetSpaceConfig, sampleNasnet, type NasnetSpaceConfig } from '../cells/nasnet/index.ts';
import { NASNET_OPS, type NasnetArchitecture } from '../contracts/genotypes.ts';
import { selectBackend } from '../engine/backend.ts';
import { crossEntropy } from '../engine/metrics.ts';
import { SharedNetwork, readRows } from '../engine/sharing/shared-network.ts';

const small = { height: 12, width: 12, channels: 1 };
const classes = 10;
const batch = 6;

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => tf.disposeVariables());

const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
const maxAbsDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => maxAbs(tf.sub(a, b)));

/** Largest difference between the path and the standalone network, relative to the values' scale. */
interface Discrepancy {
  genotype: string;
  probabilities: number;
  gradients: number;
  /** Gradient mass on shared rows the path does not read (must be zero). */
  unreadRows: number;
  unboundWeights: number;
}

function compare(
  config: NasnetSpaceConfig,
  arch: NasnetArchitecture,
  seed: number,
  input: { height: number; width: number; channels: number } = small,
): Discrepancy {
  const shared = new SharedNetwork({ space: resolveNasnetSpaceConfig(config), input, classes, seed });
  const path = shared.path(arch);
  const model = buildModel(path.graph, 'standalone');
  const x = tf.randomNormal([batch, input.height, input.width, input.channels], 0, 1, 'float32', 11) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % classes),
    'int32',
  );
  try {
    let bound = 0;
    for (const { node, weights } of path.nodes) {
      const layer = model.getLayer(layerNameFor(path.graph.nodes[node]));
      weights.forEach((w, i) =>
        tf.tidy(() => {
          layer.trainableWeights[i].write(shared.read(w));
        }),
      );
      bound += weights.length;
    }
    const standaloneVariables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const standalone = tf.variableGrads(
      () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
      standaloneVariables,
    );
    const viaPath = shared.lossAndGradients(path, x, y);
    const probabilities = tf.tidy(() =>
      maxAbsDifference(model.apply(x, { training: true }) as tf.Tensor, shared.predict(path, x)),
    );
    let gradients = 0;
    let unreadRows = 0;
    for (const { node, weights } of path.nodes) {
      const layer = model.getLayer(layerNameFor(path.graph.nodes[node]));
      weights.forEach((w, i) =>
        tf.tidy(() => {
          const expected = standalone.grads[(layer.trainableWeights[i].read() as tf.Variable).name];
          const full = viaPath.gradients.get(w.key)!;
          const read = readRows(full, w);
          gradients = Math.max(gradients, maxAbsDifference(read, expected) / Math.max(1e-3, maxAbs(expected)));
          unreadRows = Math.max(
            unreadRows,
            Math.abs(tf.sum(tf.abs(full)).dataSync()[0] - tf.sum(tf.abs(read)).dataSync()[0]),
          );
        }),
      );
    }
    tf.dispose([standalone.value, standalone.grads, [...viaPath.gradients.values()]]);
    return {
      genotype: nasnetString(arch),
      probabilities,
      gradients,
      unreadRows,
      unboundWeights: model.trainableWeights.length - bound,
    };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    shared.dispose();
  }
}

/** The path computes what the standalone network computes, reads no other rows and binds every weight. */
function expectExact(d: Discrepancy): void {
  expect(
    {
      probabilities: d.probabilities < 1e-5,
      gradients: d.gradients < 1e-4,
      unreadRows: d.unreadRows < 1e-6,
      unboundWeights: d.unboundWeights,
    },
    JSON.stringify(d),
  ).toEqual({ probabilities: true, gradients: true, unreadRows: true, unboundWeights: 0 });
}

describe('a path of the shared NASNet network', () => {
  it('equals the standalone network holding its weights: probabilities and gradients, add and concat blocks, two reductions', () => {
    const before = tf.memory().numTensors;
    const config: NasnetSpaceConfig = {
      blocks: 3,
      combine: ['add', 'concat'],
      network: { cellsPerStage: 1, reductions: 2, filters: 4 },
    };
    const rng = seedrandom('shared-paths');
    const genotypes = Array.from({ length: 5 }, () => sampleNasnet(rng, config));
    const used = new Set(genotypes.flatMap((g) => [...g.normal.blocks, ...g.reduction.blocks].flatMap((b) => b.ops)));
    expect([...used].sort()).toEqual([...NASNET_OPS].sort());
    for (const [i, arch] of genotypes.entries()) expectExact(compare(config, arch, i));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('equals the standalone network in the default search space and network (28x28 input, 31M shared values)', () => {
    expectExact(compare({}, sampleNasnet(seedrandom('default-space'), {}), 7, { height: 28, width: 28, channels: 1 }));
  });
});
