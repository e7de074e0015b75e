/**
 * `nas export` in-process on a seeded Postgres database: a final trial's kept weights by trial
 * id, by architecture hash and by baseline name; --format onnx alone; and bad input as one line,
 * exit 2, with nothing written (no --out, an --out in use, an unknown trial, a search trial whose
 * weights were not kept, a bad --format).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureCost, architectureGraph, architectureHash, describeArchitecture } from '../cells/index.ts';
import { baselineByName } from '../cells/baselines/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { DATASETS } from '../contracts/datasets.ts';
import { modelWeightsOnly, serializeCheckpoint } from '../engine/checkpoint.ts';
import { createOptimizer } from '../engine/optimizers.ts';
import { upsertArchitecture, upsertProtocol } from '../db/queries/architectures.ts';
import { upsertSearch } from '../db/queries/searches.ts';
import { saveCheckpoint } from '../db/queries/checkpoints.ts';
import { saveTrainedWeights } from '../db/queries/trained-weights.ts';
import { enqueueTrial, finishTrial, getTrial, markTrialRunning } from '../db/queries/trials.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { DEFAULT_PROTOCOL, protocolHash } from '../contracts/protocol.ts';
import { badInputLine, runCli } from './support/run-cli.ts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createTrainingActivities } from '../workers/activities/training.ts';
import type { TrainTrialResult } from '../contracts/activities.ts';
import { DEFAULT_DATA_DIR, readFashionMnist } from '../engine/data/fashion-mnist.ts';
import { splitDataset } from '../engine/data/split.ts';
import { describeDataset } from '../engine/data/datasets.ts';
import { writeFolderDataset } from './support/datasets.ts';

const lenet = baselineByName('lenet5').architecture;
const hash = architectureHash(lenet);
const { input, classes } = DATASETS['fashion-mnist'];
const protocol = {
  ...DEFAULT_PROTOCOL,
  trainSize: 512,
  valSize: 256,
  testSize: 500,
  epochs: 1,
  batchSize: 32,
  learningRate: 3e-3,
};

describe('nas export', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  const root = mkdtempSync(join(tmpdir(), 'nas-export-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    NAS_HOME: process.env.NAS_HOME,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  };
  let model: tf.LayersModel;

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    const db = database.db;
    await upsertArchitecture(db, {
      hash,
      family: 'baseline',
      genotype: lenet,
      description: describeArchitecture(lenet),
      ...architectureCost(lenet, input, classes),
    });
    await upsertProtocol(db, protocolHash(protocol), protocol);
    const cost = architectureCost(lenet, input, classes);
    for (const [searchId, kind, role] of [
      ['exp-final', 'final', 'final'],
      ['exp-search', 'search', 'search'],
    ] as const) {
      await upsertSearch(db, {
        id: searchId,
        kind,
        space: 'baseline',
        strategy: 'test',
        seed: 1,
        trialsRequested: 1,
        config: {},
      });
      const id = `${searchId}/0`;
      await enqueueTrial(db, {
        id,
        searchId,
        trialIndex: 0,
        archHash: hash,
        protocolHash: protocolHash(protocol),
        ...cost,
        role,
      });
      await markTrialRunning(db, id, { worker: 'w', backend: 'cpu', device: 'cpu' });
      await finishTrial(db, id, { status: 'succeeded', valAccuracy: 0.7, testAccuracy: role === 'final' ? 0.75 : 0.5 });
    }
    // Weights as a trainer keeps them: a checkpoint's model section.
    await tf.setBackend('cpu');
    model = buildModel(architectureGraph(lenet, input, classes));
    const optimizer = createOptimizer(protocol);
    const checkpoint = await serializeCheckpoint({ epoch: 0, model, optimizer });
    await saveTrainedWeights(db, 'exp-final/0', 0, modelWeightsOnly(checkpoint));
    // A final trial that ended before trial_weights existed kept its last checkpoint (with optimizer state);
    // one reused exp-final/0's training; one diverged.
    const more = (index: number) => ({
      id: `exp-final/${index}`,
      searchId: 'exp-final',
      trialIndex: index,
      archHash: hash,
      protocolHash: protocolHash(protocol),
      ...cost,
      role: 'final' as const,
      seed: 10 + index,
    });
    await enqueueTrial(db, more(1));
    await markTrialRunning(db, 'exp-final/1', { worker: 'w', backend: 'cpu', device: 'cpu' });
    await saveCheckpoint(db, 'exp-final/1', 0, checkpoint);
    await finishTrial(db, 'exp-final/1', { status: 'succeeded', valAccuracy: 0.6, testAccuracy: 0.6 });
    await enqueueTrial(db, more(2));
    await finishTrial(db, 'exp-final/2', { status: 'reused', reusedFrom: 'exp-final/0' });
    await enqueueTrial(db, more(3));
    await markTrialRunning(db, 'exp-final/3', { worker: 'w', backend: 'cpu', device: 'cpu' });
    await finishTrial(db, 'exp-final/3', { status: 'diverged' });

    process.env.DATABASE_URL = database.url;
    process.env.NAS_HOME = join(root, 'home');
    delete process.env.TEMPORAL_ADDRESS;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    model?.dispose();
    await database?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes ONNX, the tfjs LayersModel, genotype, protocol, metrics and README of a trial with kept weights', async () => {
    const out = join(root, 'by-trial');
    const { code, stdout, stderr } = await runCli(['export', 'exp-final/0', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/exported trial exp-final\/0 \(architecture [0-9a-f]{16}, final, test accuracy 75\.00%\)/);
    expect(stdout.trim().split('\n').sort()).toEqual(
      [
        'README.md',
        'genotype.json',
        'metrics.json',
        'model.onnx',
        'protocol.json',
        'tfjs/model.json',
        'tfjs/weights.bin',
      ]
        .map((f) => join(out, f))
        .sort(),
    );
    expect(readdirSync(root).filter((f) => f.includes('partial'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'genotype.json'), 'utf8'))).toEqual(lenet);
    expect(JSON.parse(readFileSync(join(out, 'protocol.json'), 'utf8'))).toMatchObject({
      hash: protocolHash(protocol),
      trainSize: 512,
    });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      trialId: 'exp-final/0',
      role: 'final',
      testAccuracy: 0.75,
      ...architectureCost(lenet, input, classes),
    });
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('tf.loadLayersModel(tf.io.fromMemory({');

    // The ONNX model computes what the tfjs model with those weights computes.
    const images = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => ((i * 7919) % 256) / 255);
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const onnx = (await session.run({ input: new ort.Tensor('float32', images, [4, 28, 28, 1]) })).probabilities
      .data as Float32Array;
    await session.release();
    const expected = tf.tidy(
      () => (model.predict(tf.tensor4d(images, [4, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array,
    );
    for (let i = 0; i < expected.length; i++) expect(Math.abs(onnx[i] - expected[i])).toBeLessThan(1e-5);
  });

  it('finds the trial with kept weights by architecture hash prefix or baseline name; --format onnx writes no tfjs model', async () => {
    for (const [ref, dir] of [
      [hash.slice(0, 8), 'by-hash'],
      ['lenet5', 'by-name'],
    ]) {
      const out = join(root, dir);
      const { code, stderr } = await runCli(['export', ref, '--out', out, '--format', 'onnx']);
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('exported trial exp-final/0');
      expect(existsSync(join(out, 'model.onnx'))).toBe(true);
      expect(existsSync(join(out, 'tfjs'))).toBe(false);
    }
    // An existing empty directory is filled.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await runCli(['export', 'exp-final/0', '--out', empty, '--format', 'tfjs'])).code).toBe(0);
    expect(readdirSync(empty).sort()).toEqual(['README.md', 'genotype.json', 'metrics.json', 'protocol.json', 'tfjs']);
  });

  it('exports the checkpoint an older final trial kept, and the training a reused trial took its result from', async () => {
    const legacy = await runCli(['export', 'exp-final/1', '--out', join(root, 'legacy'), '--format', 'onnx']);
    expect(legacy.code, legacy.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'legacy', 'metrics.json'), 'utf8'))).toMatchObject({
      trialId: 'exp-final/1',
      seed: 11,
      weightsEpoch: 0,
    });
    const reused = await runCli(['export', 'exp-final/2', '--out', join(root, 'reused'), '--format', 'onnx']);
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.stderr).toContain('trial exp-final/2 reused the training of exp-final/0; exporting that one');
    expect(JSON.parse(readFileSync(join(root, 'reused', 'metrics.json'), 'utf8'))).toMatchObject({
      trialId: 'exp-final/0',
    });
  });

  it("--train trains an architecture without kept weights here, under its trial's protocol and seed, and exports it", async () => {
    const out = join(root, 'trained-here');
    const { code, stderr } = await runCli([
      'export',
      'exp-search/0',
      '--out',
      out,
      '--train',
      '--backend',
      'wasm',
      '--format',
      'onnx',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      `training ${hash} under protocol ${protocolHash(protocol)} (that of trial exp-search/0), seed ${protocol.seed}`,
    );
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      trialId: null,
      role: 'trained by nas export --train (not recorded)',
      status: 'succeeded',
      weightsEpoch: 0,
    });
    expect(metrics.testAccuracy).toBeGreaterThan(0.3);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
  });

  it("--train trains on the trial's own dataset: a folder of 16x16 RGB images of 3 classes", async () => {
    process.env.NAS_DATASET_CACHE = join(root, 'dataset-cache');
    const images = join(root, 'images');
    await writeFolderDataset(images, { classes: 3, perClass: 10, size: 16 });
    const folderProtocol = {
      ...protocol,
      ...(await describeDataset(`folder:${images}`)),
      trainSize: 20,
      valSize: 4,
      testSize: 6,
    };
    const rgb = { height: 16, width: 16, channels: 3 };
    const folderCost = architectureCost(lenet, rgb, 3);
    await upsertArchitecture(database.db, {
      hash,
      family: 'baseline',
      genotype: lenet,
      description: describeArchitecture(lenet),
      ...architectureCost(lenet, input, classes),
    });
    await upsertProtocol(database.db, protocolHash(folderProtocol), folderProtocol);
    await upsertSearch(database.db, {
      id: 'exp-folder',
      kind: 'search',
      space: 'baseline',
      strategy: 'test',
      seed: 1,
      trialsRequested: 1,
      config: {},
    });
    await enqueueTrial(database.db, {
      id: 'exp-folder/0',
      searchId: 'exp-folder',
      trialIndex: 0,
      archHash: hash,
      protocolHash: protocolHash(folderProtocol),
      ...folderCost,
      role: 'search',
    });
    await markTrialRunning(database.db, 'exp-folder/0', { worker: 'w', backend: 'cpu', device: 'cpu' });
    await finishTrial(database.db, 'exp-folder/0', { status: 'succeeded', valAccuracy: 0.5, testAccuracy: 0.5 });

    const out = join(root, 'trained-on-folder');
    const { code, stderr } = await runCli([
      'export',
      'exp-folder/0',
      '--out',
      out,
      '--train',
      '--backend',
      'wasm',
      '--format',
      'onnx',
    ]);
    expect(code, stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      status: 'succeeded',
      ...folderCost,
      classNames: ['class-a', 'class-b', 'class-c'],
    });
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const probabilities = (
      await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 16 * 16 * 3), [2, 16, 16, 3]) })
    ).probabilities;
    expect(probabilities.dims).toEqual([2, 3]);
  });

  it('from training to ONNX: a baseline trial trained by the trainer activity exports a model whose accuracy is the recorded one', async () => {
    // MobileNetV2 (relu6, depthwise convs, batch norm recalibrated before evaluation) on real Fashion-MNIST images.
    const mobilenet = baselineByName('mobilenetv2-small').architecture;
    const finalProtocol = {
      ...protocol,
      trainSize: 192,
      valSize: 64,
      testSize: 500,
      bnRecalibrationBatches: 2,
      seed: 4,
    };
    const db = database.db;
    const archHash = architectureHash(mobilenet);
    const cost = architectureCost(mobilenet, input, classes);
    await upsertArchitecture(db, {
      hash: archHash,
      family: 'baseline',
      genotype: mobilenet,
      description: describeArchitecture(mobilenet),
      ...cost,
    });
    await upsertProtocol(db, protocolHash(finalProtocol), finalProtocol);
    await upsertSearch(db, {
      id: 'exp-chain',
      kind: 'baselines',
      space: 'baseline',
      strategy: 'baselines',
      seed: 4,
      trialsRequested: 1,
      config: {},
    });
    const trialId = 'exp-chain/0';
    await enqueueTrial(db, {
      id: trialId,
      searchId: 'exp-chain',
      trialIndex: 0,
      archHash,
      protocolHash: protocolHash(finalProtocol),
      ...cost,
      baselineName: 'mobilenetv2-small',
    });
    const activities = createTrainingActivities({
      db,
      worker: 'export-test',
      backend: 'wasm',
      device: 'cpu',
      dataDir: DEFAULT_DATA_DIR,
      heartbeatMs: 0,
    });
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    const trained: TrainTrialResult = await env.run(activities.trainTrial, {
      trialId,
      searchId: 'exp-chain',
      trialIndex: 0,
      architecture: mobilenet,
      archHash,
      protocol: finalProtocol,
      protocolHash: protocolHash(finalProtocol),
    });
    expect(trained.status).toBe('succeeded');
    const recorded = (await getTrial(db, trialId))!.testAccuracy!;

    const out = join(root, 'chain');
    const run = await runCli(['export', trialId, '--out', out, '--format', 'onnx']);
    expect(run.code, run.stderr).toBe(0);
    const { test } = splitDataset(readFashionMnist(DEFAULT_DATA_DIR), finalProtocol);
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const { probabilities } = await session.run({ input: new ort.Tensor('float32', test.x, [test.count, 28, 28, 1]) });
    await session.release();
    const scores = probabilities.data as Float32Array;
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const row = scores.subarray(i * classes, (i + 1) * classes);
      if (row.indexOf(Math.max(...row)) === test.y[i]) correct++;
    }
    // The trial row stores the accuracy as float4: compare counts of correct images.
    expect(correct).toBe(Math.round(recorded * test.count));
  }, 180_000);

  describe('bad input: one line naming the field and the fix, exit 2, nothing written', () => {
    const rootListing = () => readdirSync(root).sort();

    it('no --out, --out in use, a bad --format', async () => {
      const listing = rootListing();
      expect(await badInputLine(['export', 'exp-final/0'])).toBe(
        'nas: --out: is required: the directory to write the model into, e.g. --out model/',
      );
      const used = join(root, 'used');
      mkdirSync(used, { recursive: true });
      writeFileSync(join(used, 'keep.txt'), 'mine');
      expect(await badInputLine(['export', 'exp-final/0', '--out', used])).toMatch(
        /^nas: --out: .*used already exists and is not empty; name a new directory/,
      );
      expect(readdirSync(used)).toEqual(['keep.txt']);
      expect(await badInputLine(['export', 'exp-final/0', '--out', join(root, 'x'), '--format', 'pt'])).toBe(
        'nas: --format: must be one of onnx, tfjs, both, got "pt"',
      );
      expect(rootListing()).toEqual([...listing, 'used'].sort());
    });

    it('an unknown trial or architecture, and a search trial without kept weights say how to get them', async () => {
      const listing = rootListing();
      const out = join(root, 'never');
      expect(await badInputLine(['export', 'nope/3', '--out', out])).toMatch(
        /^nas: <trial-id\|architecture-hash>: no trial nope\/3 is recorded/,
      );
      expect(await badInputLine(['export', 'exp-final/3', '--out', out])).toBe(
        'nas: <trial-id|architecture-hash>: trial exp-final/3 ended diverged: only a succeeded training has trained weights',
      );
      expect(await badInputLine(['export', 'abcdef12', '--out', out])).toMatch(
        /^nas: <trial-id\|architecture-hash>: no architecture abcdef12 has been trained here/,
      );
      expect(await badInputLine(['export', 'exp-search/0', '--out', out])).toBe(
        'nas: <trial-id|architecture-hash>: trial exp-search/0 is a search training whose weights were not kept (a search started with --keep-weights all keeps them): ' +
          "`nas search finalize exp-search --top K --wait` retrains the search's best K candidates as final trials, which keep theirs; " +
          'or `nas export exp-search/0 --train` trains it here',
      );
      expect(existsSync(out)).toBe(false);
      expect(rootListing()).toEqual(listing);
    });
  });
});
