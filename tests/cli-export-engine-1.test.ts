/**
 * `nas export` of weights that engine version 1 trained on wasm through a layer it miscomputed (a
 * factorized convolution reading a reduction cell's input) warns that the export computes another
 * function than the one trained; the same weights recorded under a version-2 protocol, or from the
 * cpu backend, export without the warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureCost, architectureGraph, architectureHash, describeArchitecture } from '../cells/index.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import { DATASETS } from '../contracts/datasets.ts';
import { upsertArchitecture, upsertProtocol } from '../db/queries/architectures.ts';
import { upsertSearch } from '../db/queries/searches.ts';
import { saveTrainedWeights } from '../db/queries/trained-weights.ts';
import { enqueueTrial, finishTrial, markTrialRunning } from '../db/queries/trials.ts';
import { modelWeightsOnly, serializeCheckpoint } from '../engine/checkpoint.ts';
import { createOptimizer } from '../engine/optimizers.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { DEFAULT_PROTOCOL, protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { runCli } from './support/run-cli.ts';

const CELL: NasnetArchitecture = {
  family: 'nasnet',
  version: 1,
  normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'], combine: 'add' }] },
  reduction: { blocks: [{ inputs: [0, 1], ops: ['conv_1x3_3x1', 'max_pool_3x3'], combine: 'add' }] },
  network: { cellsPerStage: 1, reductions: 1, filters: 8 },
};
const hash = architectureHash(CELL);
const { input, classes } = DATASETS['fashion-mnist'];
const { engineVersion: _engine, ...engine1 } = DEFAULT_PROTOCOL;
const PROTOCOLS: Record<string, TrainingProtocol> = { engine1, engine2: DEFAULT_PROTOCOL };
const TRIALS: Array<[id: string, protocol: string, backend: string]> = [
  ['old-wasm/0', 'engine1', 'wasm'],
  ['old-cpu/0', 'engine1', 'cpu'],
  ['new-wasm/0', 'engine2', 'wasm'],
];

describe('nas export of weights engine 1 trained as another function', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  const root = mkdtempSync(join(tmpdir(), 'nas-export-engine-1-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    NAS_HOME: process.env.NAS_HOME,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  };

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    const db = database.db;
    const cost = architectureCost(CELL, input, classes);
    await upsertArchitecture(db, {
      hash,
      family: 'nasnet',
      genotype: CELL,
      description: describeArchitecture(CELL),
      ...cost,
    });
    for (const protocol of Object.values(PROTOCOLS)) await upsertProtocol(db, protocolHash(protocol), protocol);
    await tf.setBackend('cpu');
    const model = buildModel(architectureGraph(CELL, input, classes));
    const weights = modelWeightsOnly(
      await serializeCheckpoint({ epoch: 0, model, optimizer: createOptimizer(DEFAULT_PROTOCOL) }),
    );
    model.dispose();
    for (const [id, protocol, backend] of TRIALS) {
      const searchId = id.split('/')[0];
      await upsertSearch(db, {
        id: searchId,
        kind: 'final',
        space: 'nasnet',
        strategy: 'test',
        seed: 1,
        trialsRequested: 1,
        config: {},
      });
      await enqueueTrial(db, {
        id,
        searchId,
        trialIndex: 0,
        archHash: hash,
        protocolHash: protocolHash(PROTOCOLS[protocol]),
        ...cost,
        role: 'final',
      });
      await markTrialRunning(db, id, { worker: 'w', backend, device: 'cpu' });
      await saveTrainedWeights(db, id, 0, weights);
      await finishTrial(db, id, { status: 'succeeded', valAccuracy: 0.5, testAccuracy: 0.5 });
    }
    process.env.DATABASE_URL = database.url;
    process.env.NAS_HOME = join(root, 'home');
    delete process.env.TEMPORAL_ADDRESS;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await database?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('warns for wasm trainings of engine 1 only', async () => {
    const results = [];
    for (const [id] of TRIALS) {
      const { code, stderr } = await runCli([
        'export',
        id,
        '--out',
        join(root, id.replace('/', '-')),
        '--format',
        'onnx',
      ]);
      expect(code, stderr).toBe(0);
      results.push(stderr.includes('warning: these weights were trained on wasm by engine version 1'));
    }
    expect(results).toEqual([true, false, false]);
  });
});
