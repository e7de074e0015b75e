/**
 * The ONNX exporter on every architecture family and version, without training: the published
 * networks (MobileNetV2 1.0, NASNet-A Mobile with its ImageNet stem, NASNet-A CIFAR, EfficientNet-B0)
 * on a small 40x40 RGB input, their batch-norm statistics and biases set to random values so that
 * every weight matters, predict within 1e-4 of the tfjs model in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectureGraph } from '../cells/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { efficientNetB } from '../cells/efficientnet/index.ts';
import { graphToOnnx } from '../cells/exporters/onnx.ts';
import { nodeWeightsOf } from '../cells/exporters/tfjs.ts';
import { MOBILENETV2_1_0 } from '../cells/mobilenetv2/index.ts';
import { NASNET_A_CIFAR, NASNET_A_MOBILE } from '../cells/nasnet/index.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import { selectBackend } from '../engine/backend.ts';
import { withSeededMathRandom } from '../engine/seeded-random.ts';

const input = { height: 40, width: 40, channels: 3 };
const classes = 10;
const IMAGES = 4;

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});

/** Batch-norm statistics, gammas, betas and biases drawn at random (kernels keep their initialisation). */
function randomizeNonKernels(model: tf.LayersModel, seed: string): void {
  const random = seedrandom(seed);
  const draw = (low: number, high: number) => low + (high - low) * random();
  for (const weight of model.weights) {
    const kind = weight.originalName.split('/').pop()!;
    const range: Record<string, [number, number]> = {
      gamma: [0.5, 1.5],
      beta: [-0.2, 0.2],
      moving_mean: [-0.2, 0.2],
      moving_variance: [0.5, 1.5],
      bias: [-0.1, 0.1],
    };
    if (!range[kind]) continue;
    const values = Float32Array.from({ length: weight.shape.reduce((a: number, b) => a * (b as number), 1) }, () =>
      draw(...range[kind]),
    );
    weight.write(tf.tensor(values, weight.shape as number[]));
  }
}

const FAMILIES: [string, Architecture][] = [
  ['MobileNetV2 1.0 (mobilenetv2 family)', MOBILENETV2_1_0],
  ['NASNet-A Mobile (ImageNet stem)', NASNET_A_MOBILE],
  ['NASNet-A CIFAR', NASNET_A_CIFAR],
  ['EfficientNet-B0 (published)', efficientNetB(0)],
];

describe('ONNX export of every family equals the tfjs model', () => {
  it.each(FAMILIES)(
    '%s',
    async (name, architecture) => {
      const graph = architectureGraph(architecture, input, classes);
      const model = withSeededMathRandom(`export-families/${name}`, () => buildModel(graph));
      try {
        randomizeNonKernels(model, name);
        const random = seedrandom(`${name}/images`);
        const images = Float32Array.from({ length: IMAGES * input.height * input.width * input.channels }, () =>
          random(),
        );
        const expected = tf
          .tidy(
            () =>
              (
                model.predict(tf.tensor4d(images, [IMAGES, input.height, input.width, input.channels])) as tf.Tensor
              ).dataSync() as Float32Array,
          )
          .slice();
        const session = await ort.InferenceSession.create(graphToOnnx(graph, nodeWeightsOf(model), { name }));
        const { probabilities } = await session.run({
          input: new ort.Tensor('float32', images, [IMAGES, input.height, input.width, input.channels]),
        });
        await session.release();
        const actual = probabilities.data as Float32Array;
        expect(actual.length).toBe(expected.length);
        let max = 0;
        for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
        expect(max).toBeLessThan(1e-4);
        // Not saturated: every probability below 0.99, so a wrong weight would show.
        expect(Math.max(...expected)).toBeLessThan(0.99);
        console.log(`${name}: ${model.countParams()} params, max |ONNX - tfjs| ${max.toExponential(2)}`);
      } finally {
        model.dispose();
      }
    },
    180_000,
  );
});
