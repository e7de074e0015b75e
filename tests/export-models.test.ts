/**
 * `nas export`'s formats against the model the trainer trained, on real Fashion-MNIST test
 * images (Debian's dataset-fashion-mnist): each network is trained for a few steps by the
 * engine (wasm backend), its last checkpoint reduced to the kept weights, exported, and
 *  - the ONNX model run by onnxruntime-web predicts the tfjs model's probabilities within 1e-4,
 *    and its accuracy on the protocol's test images is the accuracy the training recorded;
 *  - the tfjs LayersModel loads in a separate Node process that imports only @tensorflow/tfjs
 *    (running the README's own loading code, with nas-layers.mjs where the README says so) and
 *    predicts the same probabilities.
 * Networks: a NASNet cell pair using all 13 ops of the space, both combiners and a factorized
 * reduction; an EfficientNet-space network at phi 1 (bilinear resize, MBConv, SE, SiLU);
 * LeNet-5 (flatten before dense) and ResNet-20.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureGraph, architectureHash, describeArchitecture } from '../cells/index.ts';
import { baselineByName } from '../cells/baselines/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { accuracyOf, maxAbsDifference } from '../cells/exporters/agreement.ts';
import { exportBundle, ONNX_FILE, TFJS_DIR } from '../cells/exporters/bundle.ts';
import { buildExportModel } from '../cells/exporters/tfjs.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import { DATASETS } from '../contracts/datasets.ts';
import { selectBackend } from '../engine/backend.ts';
import { modelWeightsOnly, restoreModelWeights } from '../engine/checkpoint.ts';
import { DEFAULT_DATA_DIR, readFashionMnist } from '../engine/data/fashion-mnist.ts';
import { splitDataset, type ProtocolData } from '../engine/data/split.ts';
import { runTraining, trainingDataOf } from '../engine/run-training.ts';
import { DEFAULT_PROTOCOL, protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { ALL_OPS_NASNET, EFFICIENTNET_PHI1 } from './support/export-networks.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Inside the repository, so that the README's `import '@tensorflow/tfjs'` resolves from the export directory. */
const ARTIFACTS = join(ROOT, 'test-artifacts', `export-${process.pid}`);

const protocol: TrainingProtocol = {
  ...DEFAULT_PROTOCOL,
  trainSize: 192,
  valSize: 64,
  testSize: 500,
  epochs: 1,
  batchSize: 32,
  learningRate: 3e-3,
  bnRecalibrationBatches: 2,
  seed: 5,
};
const { input, classes } = DATASETS['fashion-mnist'];
/** Images the plain-tfjs process predicts (its pure JavaScript backend is the slow part of this test). */
const PLAIN_TFJS_IMAGES = 50;

let data: ProtocolData;

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
  data = splitDataset(readFashionMnist(DEFAULT_DATA_DIR), protocol);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(() => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
});

interface Trained {
  weights: Uint8Array;
  testAccuracy: number;
}

/** A few steps of the project's own training; the kept weights are the last checkpoint's model section. */
async function train(architecture: Architecture): Promise<Trained> {
  let last: Uint8Array | undefined;
  const run = await runTraining(
    {
      trialId: 'export-test/0',
      architecture,
      archHash: architectureHash(architecture),
      protocol,
      data: trainingDataOf(data),
      checkpoint: null,
    },
    {
      onStart: () => {},
      onProgress: () => {},
      onEpoch: async (_metrics, checkpoint) => {
        last = checkpoint;
      },
      onUnusableCheckpoint: async () => {},
    },
  );
  expect(run.outcome.status).toBe('succeeded');
  return { weights: modelWeightsOnly(last!), testAccuracy: run.outcome.testAccuracy! };
}

function predictTfjs(model: tf.LayersModel, x: Float32Array, count: number): Float32Array {
  return tf
    .tidy(
      () =>
        (
          model.predict(tf.tensor4d(x, [count, input.height, input.width, input.channels])) as tf.Tensor
        ).dataSync() as Float32Array,
    )
    .slice();
}

/** The README's tfjs loading code, run as load-tfjs.mjs in the export directory, predicting `images`. */
function predictInPlainTfjs(dir: string, readme: string, images: Float32Array, count: number): Float32Array {
  const block = /## TensorFlow\.js[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  expect(block, 'README has the tfjs loading code').not.toBeNull();
  const script = [
    block![1],
    "import { writeFileSync as writeOutput } from 'node:fs';",
    "const imageBytes = readFileSync('images.bin');",
    `const batch = tf.tensor4d(new Float32Array(imageBytes.buffer, imageBytes.byteOffset, imageBytes.byteLength / 4), [${count}, ${input.height}, ${input.width}, ${input.channels}]);`,
    "writeOutput('predictions.bin', new Uint8Array(model.predict(batch).dataSync().buffer));",
  ].join('\n');
  writeFileSync(join(dir, 'images.bin'), images);
  writeFileSync(join(dir, 'load-tfjs.mjs'), script);
  const child = spawnSync(process.execPath, ['load-tfjs.mjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  expect(child.status, child.stderr).toBe(0);
  // Only @tensorflow/tfjs was imported: none of this project's layers were registered in that process.
  expect(block![1]).not.toMatch(/cells\/|nas-orchestrator/);
  const bytes = readFileSync(join(dir, 'predictions.bin'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

const NETWORKS: [string, Architecture][] = [
  ['a NASNet cell pair with all 13 ops', ALL_OPS_NASNET],
  ['an EfficientNet-space network at phi 1 (input resize)', EFFICIENTNET_PHI1],
  ['LeNet-5', baselineByName('lenet5').architecture],
  ['ResNet-20', baselineByName('resnet20').architecture],
];

describe('export: ONNX and tfjs LayersModel equal the trained tfjs model on real test images', () => {
  it.each(NETWORKS)(
    '%s',
    async (label, architecture) => {
      const trained = await train(architecture);
      const graph = architectureGraph(architecture, input, classes);
      const count = data.test.count;

      // The network as the trainer builds it (the project's own layers), with the kept weights.
      const reference = buildModel(graph);
      const exported = buildExportModel(graph, 'export_test');
      let expected: Float32Array;
      let files: Map<string, string | Uint8Array>;
      try {
        restoreModelWeights(trained.weights, reference);
        expected = predictTfjs(reference, data.test.x, count);
        expect(accuracyOf(expected, data.test.y, classes)).toBe(trained.testAccuracy);
        restoreModelWeights(trained.weights, exported);
        const hash = architectureHash(architecture);
        files = await exportBundle({
          architecture,
          archHash: hash,
          description: describeArchitecture(architecture),
          graph,
          model: exported,
          dataset: 'fashion-mnist',
          input,
          classes,
          protocol,
          protocolHash: protocolHash(protocol),
          trial: {
            trialId: 'export-test/0',
            searchId: 'export-test',
            role: 'final',
            seed: protocol.seed,
            status: 'succeeded',
            valAccuracy: null,
            testAccuracy: trained.testAccuracy,
            weightsEpoch: 0,
            epochs: [],
            trainSeconds: null,
            backend: 'wasm',
            device: 'cpu',
          },
          format: 'both',
        });
      } finally {
        reference.dispose();
        exported.dispose();
      }
      const dir = join(ARTIFACTS, label.replace(/[^a-z0-9]+/gi, '-'));
      for (const [path, content] of files) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      expect([...files.keys()]).toEqual(
        expect.arrayContaining([
          ONNX_FILE,
          `${TFJS_DIR}/model.json`,
          `${TFJS_DIR}/weights.bin`,
          'genotype.json',
          'protocol.json',
          'metrics.json',
          'README.md',
        ]),
      );

      // ONNX through onnxruntime-web.
      const session = await ort.InferenceSession.create(files.get(ONNX_FILE) as Uint8Array);
      const result = await session.run({
        input: new ort.Tensor('float32', data.test.x, [count, input.height, input.width, input.channels]),
      });
      const onnxProbabilities = result.probabilities.data as Float32Array;
      const onnxDifference = maxAbsDifference(onnxProbabilities, expected);
      expect(onnxDifference).toBeLessThan(1e-4);
      expect(accuracyOf(onnxProbabilities, data.test.y, classes)).toBe(trained.testAccuracy);
      await session.release();

      // tfjs LayersModel in a process with only @tensorflow/tfjs.
      const readme = files.get('README.md') as string;
      const needsLayers = existsSync(join(dir, TFJS_DIR, 'nas-layers.mjs'));
      expect(needsLayers).toBe(architecture.family === 'efficientnet');
      // tfjs' plain JavaScript backend is slow: the first PLAIN_TFJS_IMAGES images.
      const pixels = input.height * input.width * input.channels;
      const plain = predictInPlainTfjs(
        dir,
        readme,
        data.test.x.subarray(0, PLAIN_TFJS_IMAGES * pixels),
        PLAIN_TFJS_IMAGES,
      );
      const tfjsDifference = maxAbsDifference(plain, expected.subarray(0, PLAIN_TFJS_IMAGES * classes));
      expect(tfjsDifference).toBeLessThan(1e-4);
      console.log(
        `${label}: test accuracy ${trained.testAccuracy} on ${count} images (recorded = ONNX = tfjs), ` +
          `max |ONNX - tfjs| ${onnxDifference.toExponential(2)}, ` +
          `max |LayersModel in plain tfjs - tfjs| ${tfjsDifference.toExponential(2)} (first ${PLAIN_TFJS_IMAGES} images)`,
      );
    },
    180_000,
  );
});
