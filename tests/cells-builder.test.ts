import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResizeBilinear, buildModel, countFlopsFromModel, layerNameFor } from '../cells/builders/tfjs.ts';
import { architectureGraph } from '../cells/architecture.ts';
import { BASELINES } from '../cells/baselines/index.ts';
import { graphCost, inferShapes } from '../cells/cost.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import { GraphBuilder, type LayerGraph, type Padding } from '../cells/graph.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds the graph and checks params, FLOPs and every layer's output shape against the cost model. */
function expectModelMatchesCostModel(graph: LayerGraph): tf.LayersModel {
  const model = buildModel(graph);
  const cost = graphCost(graph);
  expect(model.countParams()).toBe(cost.params);
  expect(countFlopsFromModel(model)).toBe(cost.flops);
  const shapes = inferShapes(graph);
  const computed = graph.nodes.slice(1);
  // The shapes tensors really get when the model runs, not only tfjs' symbolic ones.
  const probe = tf.model({
    inputs: model.inputs,
    outputs: computed.map((n) => model.getLayer(layerNameFor(n)).output as tf.SymbolicTensor),
  });
  const x = tf.zeros([1, ...shapes[0]]);
  const outputs = probe.predict(x) as tf.Tensor[];
  try {
    computed.forEach((node, i) => {
      const symbolic = (model.getLayer(layerNameFor(node)).outputShape as number[]).slice(1);
      expect([node.name, symbolic, outputs[i].shape.slice(1)]).toEqual([node.name, shapes[node.id], shapes[node.id]]);
    });
  } finally {
    tf.dispose([x, ...outputs]);
  }
  return model;
}

describe('buildModel', () => {
  it('agrees with the cost model for every kernel/stride/padding/dilation combination', () => {
    const before = tf.memory().numTensors;
    for (const size of [7, 8, 9]) {
      const g = new GraphBuilder({ height: size, width: size, channels: 3 });
      const heads: number[] = [];
      const paddings: Padding[] = ['same', 'valid'];
      for (const padding of paddings) {
        for (const k of [1, 2, 3, 5]) {
          for (const strides of [1, 2, 3]) {
            for (const dilation of strides === 1 ? [1, 2] : [1]) {
              if (padding === 'valid' && (k - 1) * dilation + 1 > size) continue;
              const tag = `${padding}_k${k}_s${strides}_d${dilation}`;
              const c = g.add(
                `conv_${tag}`,
                {
                  op: 'conv2d',
                  filters: 2,
                  kernel: [k, k],
                  strides,
                  padding,
                  dilation,
                  useBias: k !== 2,
                  activation: 'relu',
                },
                [0],
              );
              heads.push(g.add(`gp_${tag}`, { op: 'globalAvgPool', keepDims: true }, [c]));
              if (padding === 'same' || dilation === 1) {
                const dw = g.add(
                  `dw_${tag}`,
                  {
                    op: 'depthwiseConv2d',
                    kernel: [k, 1],
                    strides,
                    padding,
                    dilation,
                    useBias: true,
                    activation: 'linear',
                  },
                  [0],
                );
                heads.push(g.add(`gpd_${tag}`, { op: 'globalAvgPool', keepDims: true }, [dw]));
              }
              if (dilation === 1) {
                const mp = g.add(`max_${tag}`, { op: 'maxPool', pool: k, strides, padding }, [0]);
                const ap = g.add(`avg_${tag}`, { op: 'avgPool', pool: k, strides, padding }, [0]);
                heads.push(g.add(`gpm_${tag}`, { op: 'globalAvgPool', keepDims: true }, [mp]));
                heads.push(g.add(`gpa_${tag}`, { op: 'globalAvgPool', keepDims: true }, [ap]));
              }
            }
          }
        }
      }
      const all = g.add('heads', { op: 'concat' }, heads);
      const flat = g.add('flat', { op: 'flatten' }, [all]);
      const out = g.add('out', { op: 'dense', units: 3, useBias: true, activation: 'softmax' }, [flat]);
      const model = expectModelMatchesCostModel(g.finish(out));
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds every op, runs, trains a step and round-trips through JSON (custom resize layer included)', async () => {
    const before = tf.memory().numTensors;
    const g = new GraphBuilder({ height: 12, width: 10, channels: 1 });
    const r = g.add('resize', { op: 'resize', height: 16, width: 16 }, [0]);
    const c = g.add(
      'stem/conv',
      {
        op: 'conv2d',
        filters: 8,
        kernel: [3, 3],
        strides: 1,
        padding: 'same',
        dilation: 1,
        useBias: false,
        activation: 'linear',
      },
      [r],
    );
    const bn = g.add('stem/bn', { op: 'batchNorm' }, [c]);
    const act = g.add('stem/silu', { op: 'activation', fn: 'silu' }, [bn]);
    const pad = g.add('pad', { op: 'zeroPad', pad: [0, 1, 0, 1] }, [act]);
    const crop = g.add('crop', { op: 'crop', crop: [1, 0, 1, 0] }, [pad]);
    const sum = g.add('sum', { op: 'add' }, [act, crop]);
    const sq = g.add('se/pool', { op: 'globalAvgPool', keepDims: true }, [sum]);
    const ex = g.add(
      'se/expand',
      {
        op: 'conv2d',
        filters: 8,
        kernel: [1, 1],
        strides: 1,
        padding: 'same',
        dilation: 1,
        useBias: true,
        activation: 'sigmoid',
      },
      [sq],
    );
    const scaled = g.add('se/scale', { op: 'multiply' }, [sum, ex]);
    const pooled = g.add('pool', { op: 'maxPool', pool: 2, strides: 2, padding: 'valid' }, [scaled]);
    const flat = g.add('flatten', { op: 'flatten' }, [pooled]);
    const drop = g.add('dropout', { op: 'dropout', rate: 0.2 }, [flat]);
    const hidden = g.add('hidden', { op: 'dense', units: 6, useBias: true, activation: 'tanh' }, [drop]);
    const out = g.add('out', { op: 'dense', units: 4, useBias: true, activation: 'softmax' }, [hidden]);
    const graph = g.finish(out);
    const model = expectModelMatchesCostModel(graph);
    const restored = await tf.models.modelFromJSON(JSON.parse(JSON.stringify(model.toJSON(null, false))));
    const x = tf.randomNormal([2, 12, 10, 1]);
    const y = tf.tensor2d([
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
    try {
      expect(restored.getLayer('resize')).toBeInstanceOf(ResizeBilinear);
      expect(restored.countParams()).toBe(model.countParams());
      const rowSums = tf.tidy(() => (model.predict(x) as tf.Tensor).sum(1));
      expect(rowSums.shape).toEqual([2]);
      for (const s of rowSums.dataSync()) expect(Math.abs(s - 1)).toBeLessThan(1e-4);
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
      const loss = (await model.trainOnBatch(x, y)) as number;
      expect(Number.isFinite(loss)).toBe(true);
      rowSums.dispose();
    } finally {
      tf.dispose([x, y]);
      model.optimizer?.dispose();
      model.dispose();
      restored.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildModel on the model zoo', () => {
  it('matches the cost model for every baseline and a compound-scaled EfficientNet', () => {
    const before = tf.memory().numTensors;
    const effnet = BASELINES.find((b) => b.architecture.family === 'efficientnet')!.architecture as Extract<
      Architecture,
      { family: 'efficientnet'; version: 1 }
    >;
    const zoo: Architecture[] = [
      ...BASELINES.map((b) => b.architecture),
      { ...effnet, scaling: { ...effnet.scaling, phi: 1 } },
    ];
    for (const arch of zoo) {
      const model = expectModelMatchesCostModel(architectureGraph(arch, { height: 28, width: 28, channels: 1 }, 10));
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

afterAll(() => tf.disposeVariables());
