/**
 * Every published network builds in tfjs at its full input size, with
 * countParams() and the built model's multiply-adds equal to the cost model's.
 * Built once each, never run; weights are disposed after each. All twelve
 * take about 25 s on one core and under 0.5 GB (NASNet-A Large, 88.9M params
 * at 331x331, 7 s; EfficientNet-B7 4.4 s).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { architectureGraph, graphCost, PUBLISHED_NETWORKS } from '../cells/index.ts';
import { buildModel, countFlopsFromModel } from '../cells/builders/tfjs.ts';

const measured: string[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
});
// Building is synchronous for seconds; give vitest's worker RPC a turn of the event loop between tests.
beforeEach(() => new Promise((resolve) => setTimeout(resolve, 50)));
afterAll(() => console.log(measured.join('\n')));

describe('published networks built with tfjs at full size', () => {
  it.each(PUBLISHED_NETWORKS.map((n) => [n.name, n] as const))(
    '%s',
    (name, n) => {
      const graph = architectureGraph(n.architecture, n.input, n.classes);
      const cost = graphCost(graph);
      const before = tf.memory().numTensors;
      const started = Date.now();
      const model = buildModel(graph, name.replace(/[^a-z0-9]/g, '_'));
      try {
        expect({ params: model.countParams(), flops: countFlopsFromModel(model) }).toEqual(cost);
        expect(model.inputs[0].shape).toEqual([null, n.input.height, n.input.width, n.input.channels]);
        expect(model.outputs[0].shape).toEqual([null, n.classes]);
        measured.push(
          `${name}: ${cost.params} params, ${cost.flops} MACs, built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    },
    180_000,
  );
});
