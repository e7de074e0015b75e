import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureGraph } from '../cells/architecture.ts';
import { BASELINES, baselineByName } from '../cells/baselines/index.ts';
import { buildModel, countFlopsFromModel } from '../cells/builders/tfjs.ts';
import { graphCost } from '../cells/cost.ts';
import { BASELINE_NETWORKS } from '../contracts/genotypes.ts';
import { selectBackend } from '../engine/backend.ts';

const MNIST = { height: 28, width: 28, channels: 1 };
const measured: string[] = [];

// The default CPU trainer's backend: wasm with this project's kernels.
beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => {
  console.log(measured.join('\n'));
});

describe('BASELINES registry', () => {
  it('lists the six hand-designed networks, EfficientNet-B0-small and NASNet-A, each described', () => {
    expect(BASELINES.map((b) => b.name)).toEqual([...BASELINE_NETWORKS, 'efficientnet-b0-small', 'nasnet-a']);
    expect(BASELINES.map((b) => b.architecture.family)).toEqual([
      ...BASELINE_NETWORKS.map(() => 'baseline'),
      'efficientnet',
      'nasnet',
    ]);
    for (const b of BASELINES) expect(b.description.length).toBeGreaterThan(20);
  });

  it('finds a baseline by name and lists the names when it does not know one', () => {
    expect(baselineByName('resnet20').architecture).toEqual({ family: 'baseline', version: 1, name: 'resnet20' });
    expect(() => baselineByName('resnet50')).toThrow(
      'unknown baseline "resnet50"; known baselines: lenet5, alexnet-small, vgg-small, squeezenet-small, resnet20, mobilenetv2-small, efficientnet-b0-small, nasnet-a',
    );
  });
});

describe('every baseline builds, matches the cost model and trains', () => {
  it.each(BASELINES.map((b) => b.name))('%s', async (name) => {
    const graph = architectureGraph(baselineByName(name).architecture, MNIST, 10);
    const cost = graphCost(graph);
    const before = tf.memory().numTensors;
    const model = buildModel(graph, name.replace(/[^a-z0-9]/g, '_'));
    const optimizer = tf.train.sgd(0.05);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 7);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([3], 'int32'), 10));
    try {
      expect(model.countParams()).toBe(cost.params);
      expect(countFlopsFromModel(model)).toBe(cost.flops);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const weightsBefore = tf.tidy(() => model.trainableWeights.map((w) => w.read().clone()));
      const loss = (await model.trainOnBatch(x, y)) as number;
      expect(Number.isFinite(loss)).toBe(true);
      const changed = tf.tidy(
        () =>
          model.trainableWeights.filter((w, i) => tf.any(tf.notEqual(w.read(), weightsBefore[i])).dataSync()[0] === 1)
            .length,
      );
      tf.dispose(weightsBefore);
      expect(changed).toBeGreaterThan(0);
      measured.push(`${name}: params ${cost.params}, FLOPs ${cost.flops}, first loss ${loss.toFixed(3)}`);
    } finally {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
