/**
 * Checks a `nas export` directory on its trial's own test images: the ONNX model in
 * onnxruntime-web against the tfjs LayersModel loaded with plain `tf.loadLayersModel`.
 *
 *   npm run bench:export-check -- <export dir> [--images N] [--json] [--backend wasm|cpu|tensorflow|auto] [--batch 64]
 *
 * The test images are the protocol's (protocol.json beside the model): its dataset loaded and split
 * as the trainer does (engine/data), the first N of its test split (default: all testSize). Prints
 * the images, the largest absolute difference of the two formats' class probabilities, the test
 * accuracy of each and the one the training recorded (metrics.json). Exit 1 when the formats
 * disagree: a difference of 1e-4 or more (the bound of tests/export-models.test.ts), or unequal
 * accuracies.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { accuracyOf, maxAbsDifference } from '../cells/exporters/agreement.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { BACKEND_PREFERENCES, selectBackend, type BackendPreference } from '../engine/backend.ts';
import { loadDataset } from '../engine/data/datasets.ts';
import { splitDataset } from '../engine/data/split.ts';
import { protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { loadOnnxModel, loadTfjsModel, predictInBatches } from './exported-models.ts';

/** Formats agree when no probability differs by this much (tests/export-models.test.ts's bound). */
const TOLERANCE = 1e-4;

interface ExportMetrics {
  trialId: string | null;
  architecture: { hash: string };
  testAccuracy: number | null;
}

export interface ExportCheck {
  dir: string;
  trialId: string | null;
  architectureHash: string;
  dataset: string;
  /** Test images run through both formats (the first of the protocol's test split). */
  images: number;
  /** The protocol's test split, on which the recorded accuracy was measured. */
  testSize: number;
  maxAbsDifference: number;
  onnxTestAccuracy: number;
  tfjsTestAccuracy: number;
  recordedTestAccuracy: number | null;
  tfjsBackend: string;
  registeredNasLayers: boolean;
  agree: boolean;
  seconds: number;
}

function options() {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      images: { type: 'string' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  if (positionals.length !== 1)
    throw new Error(
      'usage: npm run bench:export-check -- <export dir> [--images N] [--json] [--backend wasm] [--batch 64]',
    );
  const backend = (values.backend ?? 'wasm') as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend))
    throw new Error(`--backend must be one of ${BACKEND_PREFERENCES.join(', ')}`);
  const images = values.images === undefined ? undefined : positiveInteger('--images', values.images);
  // `npm run` runs in the package's folder: a relative directory is the caller's (INIT_CWD).
  return {
    dir: resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]),
    images,
    json: values.json === true,
    backend,
    batch: positiveInteger('--batch', values.batch ?? '64'),
  };
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${text}`);
  return n;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export async function checkExport(
  dir: string,
  opts: { images?: number; backend: BackendPreference; batch: number },
): Promise<ExportCheck> {
  const started = performance.now();
  const { hash, ...protocol } = readJson<TrainingProtocol & { hash: string }>(join(dir, 'protocol.json'));
  if (protocolHash(protocol) !== hash)
    throw new Error(
      `${join(dir, 'protocol.json')}: its fields hash to ${protocolHash(protocol)}, not its recorded ${hash}`,
    );
  if (protocol.testSize === 0)
    throw new Error(`the protocol ${hash} has no test split (testSize 0): nothing to check on`);
  const metrics = readJson<ExportMetrics>(join(dir, 'metrics.json'));
  const { input, classes } = datasetShape(protocol);

  const { backend } = await selectBackend(opts.backend, { threads: 1, log: (line) => console.error(line) });
  const test = splitDataset(await loadDataset(protocol), protocol).test;
  const count = Math.min(opts.images ?? test.count, test.count);
  const pixels = input.height * input.width * input.channels;
  const images = test.x.subarray(0, count * pixels);
  const labels = test.y.subarray(0, count);

  const onnx = await loadOnnxModel(dir, input);
  const onnxProbabilities = await predictInBatches(onnx.predict, images, count, pixels, opts.batch).finally(() =>
    onnx.dispose(),
  );
  const tfjs = await loadTfjsModel(dir, input);
  const tfjsProbabilities = await predictInBatches(tfjs.predict, images, count, pixels, opts.batch).finally(() =>
    tfjs.dispose(),
  );

  const difference = maxAbsDifference(onnxProbabilities, tfjsProbabilities);
  const onnxTestAccuracy = accuracyOf(onnxProbabilities, labels, classes);
  const tfjsTestAccuracy = accuracyOf(tfjsProbabilities, labels, classes);
  return {
    dir,
    trialId: metrics.trialId,
    architectureHash: metrics.architecture.hash,
    dataset: protocol.dataset,
    images: count,
    testSize: test.count,
    maxAbsDifference: difference,
    onnxTestAccuracy,
    tfjsTestAccuracy,
    recordedTestAccuracy: metrics.testAccuracy,
    tfjsBackend: backend,
    registeredNasLayers: tfjs.registeredNasLayers,
    agree: difference < TOLERANCE && onnxTestAccuracy === tfjsTestAccuracy,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

function percent(value: number | null): string {
  return value === null ? 'not recorded' : `${(100 * value).toFixed(2)}%`;
}

function report(check: ExportCheck): string {
  const subset =
    check.images === check.testSize ? 'the whole test split' : `the first ${check.images} of its ${check.testSize}`;
  return [
    `export                  ${check.dir} (trial ${check.trialId ?? 'none: nas export --train'}, architecture ${check.architectureHash})`,
    `test images             ${check.images} (${subset}) of ${check.dataset}`,
    `max |ONNX - tfjs|       ${check.maxAbsDifference.toExponential(2)} (class probabilities; formats ${check.agree ? 'agree' : 'DISAGREE'} at ${TOLERANCE})`,
    `ONNX test accuracy      ${percent(check.onnxTestAccuracy)} (onnxruntime-web)`,
    `tfjs test accuracy      ${percent(check.tfjsTestAccuracy)} (tf.loadLayersModel on ${check.tfjsBackend}${check.registeredNasLayers ? ', nas-layers.mjs registered' : ''})`,
    `recorded test accuracy  ${percent(check.recordedTestAccuracy)} (metrics.json, on ${check.testSize} images)`,
    `seconds                 ${check.seconds}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { dir, json, ...opts } = options();
  const check = await checkExport(dir, opts);
  console.log(json ? JSON.stringify(check, null, 2) : report(check));
  if (!check.agree) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 2;
});
