import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import * as tf from '@tensorflow/tfjs';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureCost, architectureHash, describeArchitecture } from '../cells/index.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { upsertArchitecture, upsertProtocol } from '../db/queries/architectures.ts';
import { loadCheckpoint } from '../db/queries/checkpoints.ts';
import { loadTrainedWeights } from '../db/queries/trained-weights.ts';
import { upsertSearch } from '../db/queries/searches.ts';
import { enqueueTrial, finishTrial, getTrial, listEpochs } from '../db/queries/trials.ts';
import type { TrialRole } from '../contracts/trial-role.ts';
import { protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { describeDataset } from '../engine/data/datasets.ts';
import { writeFolderDataset } from './support/datasets.ts';
import { createTrainingActivities, isOutOfMemory, type TrainingHeartbeat } from '../workers/activities/training.ts';
import type { TrainingActivities, TrainTrialInput, TrainTrialResult } from '../contracts/activities.ts';
import { selectBackend } from '../engine/backend.ts';
import { encodeIdx } from '../engine/data/idx.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';

const SEARCH = 'activity-test';
const lenet: Architecture = { family: 'baseline', version: 1, name: 'lenet5' };
const protocol: TrainingProtocol = {
  dataset: 'fashion-mnist',
  trainSize: 192,
  valSize: 64,
  testSize: 64,
  epochs: 2,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 3e-3,
  lrSchedule: 'constant',
  augmentation: 'none',
  seed: 3,
};

let database: DatabaseHandle;
let dataDir: string;
let on: { backend: string; device: string };

beforeAll(async () => {
  on = await selectBackend('auto');
  database = await openDatabase({ url: '', dataDir: 'memory://' });
  dataDir = mkdtempSync(join(tmpdir(), 'nas-activity-'));
  writeIdxFixture(dataDir, { train: 400, test: 100, seed: 9 });
  await upsertSearch(database.db, {
    id: SEARCH,
    kind: 'search',
    space: 'baseline',
    strategy: 'test',
    seed: 1,
    trialsRequested: 10,
    config: {},
  });
});

afterAll(async () => {
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function queuedTrial(
  trialIndex: number,
  architecture: Architecture = lenet,
  p = protocol,
  seed?: number,
  role?: TrialRole,
): Promise<TrainTrialInput> {
  // An invalid genotype has no hash: its trial row points at LeNet's, the input carries the bad one.
  const archHash = architectureHash(architecture === lenet ? architecture : lenet);
  const pHash = protocolHash(p);
  const cost = architectureCost(lenet, { height: 28, width: 28, channels: 1 }, 10);
  await upsertArchitecture(database.db, {
    hash: archHash,
    family: 'baseline',
    genotype: lenet,
    description: describeArchitecture(lenet),
    ...cost,
  });
  await upsertProtocol(database.db, pHash, p);
  const trialId = `${SEARCH}/${trialIndex}`;
  await enqueueTrial(database.db, {
    id: trialId,
    searchId: SEARCH,
    trialIndex,
    archHash,
    protocolHash: pHash,
    ...cost,
    seed,
    role,
  });
  return {
    trialId,
    searchId: SEARCH,
    trialIndex,
    architecture,
    archHash,
    protocol: p,
    protocolHash: pHash,
    ...(seed !== undefined && { seed }),
  };
}

function activities(
  overrides: { dataDir?: string; heartbeatMs?: number; trainInThread?: boolean; threads?: number } = {},
) {
  return createTrainingActivities({
    db: database.db,
    worker: 'trainer-test',
    ...on,
    dataDir: overrides.dataDir ?? dataDir,
    heartbeatMs: overrides.heartbeatMs ?? 0,
    trainInThread: overrides.trainInThread,
    threads: overrides.threads,
  });
}

function train(
  env: MockActivityEnvironment,
  acts: TrainingActivities,
  input: TrainTrialInput,
): Promise<TrainTrialResult> {
  return env.run(acts.trainTrial, input);
}

function environment(info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const beats: TrainingHeartbeat[] = [];
  env.on('heartbeat', (d: TrainingHeartbeat) => beats.push(d));
  return { env, beats };
}

describe('trainTrial activity', () => {
  it('trains a queued trial, records each epoch and ends the row succeeded; a repeat does not retrain', async () => {
    const input = await queuedTrial(0);
    const { env, beats } = environment();
    const acts = activities();
    const result = await train(env, acts, input);
    expect(result.status).toBe('succeeded');
    expect(result.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(result.valAccuracy).toBeGreaterThan(0.3);
    expect(result.testAccuracy).toBeGreaterThan(0.3);
    expect(result).toMatchObject({ worker: 'trainer-test', backend: on.backend, device: on.device });
    expect(result.params).toBe(architectureCost(lenet, { height: 28, width: 28, channels: 1 }, 10).params);
    expect(beats.some((b) => b.phase === 'train' && b.epoch === 1)).toBe(true);
    expect(beats.some((b) => b.checkpointEpoch === 0)).toBe(true);

    const row = await getTrial(database.db, input.trialId);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 1, worker: 'trainer-test', backend: on.backend });
    expect(row!.valAccuracy).toBeCloseTo(result.valAccuracy!, 5);
    expect((await listEpochs(database.db, input.trialId)).map((e) => e.epoch)).toEqual([0, 1]);
    expect(await loadCheckpoint(database.db, input.trialId)).toBeNull();

    const again = environment();
    const repeated = await train(again.env, acts, input);
    expect(again.beats).toEqual([]);
    expect(repeated.status).toBe('succeeded');
    expect(repeated.valAccuracy).toBeCloseTo(result.valAccuracy!, 5);
    expect(repeated.testAccuracy).toBeCloseTo(result.testAccuracy!, 5);
    expect(repeated.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect((await getTrial(database.db, input.trialId))!.attempts).toBe(1);
  });

  it('keeps the trained weights (last epoch, no optimizer state) of final and baseline trials, not of search trials', async () => {
    for (const [index, role] of [
      [30, 'final'],
      [31, 'baseline'],
    ] as const) {
      const input = await queuedTrial(index, lenet, protocol, undefined, role);
      const result = await train(environment().env, activities(), input);
      expect(result.status).toBe('succeeded');
      const kept = await loadTrainedWeights(database.db, input.trialId);
      expect(kept).toMatchObject({ epoch: 1, source: 'weights' });
      // float32 weights (batch-norm-free LeNet: params values) and a header, no Adam moments.
      expect(kept!.bytes.length).toBeGreaterThan(result.params * 4);
      expect(kept!.bytes.length).toBeLessThan(result.params * 4 + 4096);
      expect(await loadCheckpoint(database.db, input.trialId)).toBeNull();
      // A repeated activity returns the stored result and leaves the weights as they are.
      await train(environment().env, activities(), input);
      expect((await loadTrainedWeights(database.db, input.trialId))!.bytes).toEqual(kept!.bytes);
    }
    const search = await queuedTrial(32, lenet, protocol, undefined, 'search');
    expect((await train(environment().env, activities(), search)).status).toBe('succeeded');
    expect(await loadTrainedWeights(database.db, search.trialId)).toBeNull();
  });

  it('is reproducible: a second trial of the same architecture and protocol trains to the same curve', async () => {
    const first = await train(environment().env, activities(), await queuedTrial(7));
    const second = await train(environment().env, activities(), await queuedTrial(8));
    expect(second.epochs.map((e) => e.trainLoss)).toEqual(first.epochs.map((e) => e.trainLoss));
    expect(second.valAccuracy).toBe(first.valAccuracy);
  });

  it('trains a repeat seed to another curve on the same data; the protocol seed is the default training seed', async () => {
    const byDefault = await train(environment().env, activities(), await queuedTrial(20));
    const explicit = await train(
      environment().env,
      activities(),
      await queuedTrial(21, lenet, protocol, protocol.seed),
    );
    const repeat = await train(
      environment().env,
      activities(),
      await queuedTrial(22, lenet, protocol, protocol.seed + 1),
    );
    expect(explicit.epochs.map((e) => e.trainLoss)).toEqual(byDefault.epochs.map((e) => e.trainLoss));
    expect(repeat.epochs.map((e) => e.trainLoss)).not.toEqual(byDefault.epochs.map((e) => e.trainLoss));
    expect((await getTrial(database.db, `${SEARCH}/22`))!.seed).toBe(protocol.seed + 1);
  });

  it('trains in a worker thread of its own by default, to the same curve as on the activity thread', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const tensorsDuringTraining: number[] = [];
    const threaded = environment();
    threaded.env.on('heartbeat', () => tensorsDuringTraining.push(tf.memory().numTensors));
    const inThread = await train(threaded.env, activities(), await queuedTrial(10));
    expect(tensorsDuringTraining.length).toBeGreaterThan(2);
    expect(new Set(tensorsDuringTraining)).toEqual(new Set([tensorsBefore]));

    const here = await train(environment().env, activities({ trainInThread: false }), await queuedTrial(11));
    expect(here.epochs.map((e) => e.trainLoss)).toEqual(inThread.epochs.map((e) => e.trainLoss));
    expect(here.valAccuracy).toBe(inThread.valAccuracy);
  });

  it('computes on the threads the trainer gives a training, in its worker thread as on the activity thread', async () => {
    const inThread = await train(environment().env, activities({ threads: 2 }), await queuedTrial(30));
    const here = await train(
      environment().env,
      activities({ threads: 2, trainInThread: false }),
      await queuedTrial(31),
    );
    expect(inThread.status).toBe('succeeded');
    expect(here.epochs.map((e) => e.trainLoss)).toEqual(inThread.epochs.map((e) => e.trainLoss));
    expect(here.valAccuracy).toBe(inThread.valAccuracy);
  });

  it('honours cancellation, keeps the checkpoint, and a retry resumes from the next epoch', async () => {
    const input = await queuedTrial(1);
    const acts = activities();
    const first = environment();
    first.env.on('heartbeat', (d: TrainingHeartbeat) => {
      if (d.checkpointEpoch === 0) first.env.cancel();
    });
    await expect(train(first.env, acts, input)).rejects.toBeInstanceOf(CancelledFailure);
    expect((await getTrial(database.db, input.trialId))!.status).toBe('running');
    expect((await loadCheckpoint(database.db, input.trialId))!.epoch).toBe(0);
    expect((await listEpochs(database.db, input.trialId)).map((e) => e.epoch)).toEqual([0]);

    const lastBeat = first.beats[first.beats.length - 1];
    const retry = environment({ attempt: 2, heartbeatDetails: lastBeat });
    const result = await train(retry.env, acts, input);
    expect(result.status).toBe('succeeded');
    expect(result.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    const trained = retry.beats.filter((b) => b.phase === 'train').map((b) => b.epoch);
    expect(new Set(trained)).toEqual(new Set([1]));
    const row = await getTrial(database.db, input.trialId);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await loadCheckpoint(database.db, input.trialId)).toBeNull();
  });

  it('throttles batch heartbeats to heartbeatMs but still beats at setup and every epoch end', async () => {
    const input = await queuedTrial(6, lenet, { ...protocol, epochs: 1, seed: 4 });
    const { env, beats } = environment();
    await train(env, activities({ heartbeatMs: 60_000 }), input);
    expect(beats.map((b) => b.phase)).toEqual(['setup', 'setup', 'val']);
  });

  it('a retry after the last epoch was checkpointed trains nothing more and still settles the trial', async () => {
    const input = await queuedTrial(9);
    const acts = activities();
    const first = environment();
    first.env.on('heartbeat', (d: TrainingHeartbeat) => {
      if (d.checkpointEpoch === 1) first.env.cancel();
    });
    await expect(train(first.env, acts, input)).rejects.toBeInstanceOf(CancelledFailure);
    expect((await loadCheckpoint(database.db, input.trialId))!.epoch).toBe(1);

    const retry = environment({ attempt: 2 });
    const result = await train(retry.env, acts, input);
    expect(retry.beats.filter((b) => b.phase === 'train')).toEqual([]);
    expect(result.status).toBe('succeeded');
    expect(result.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(result.valAccuracy).toBe(result.epochs[1].valAccuracy);
    expect(result.testAccuracy).toBeGreaterThan(0.3);
    expect((await getTrial(database.db, input.trialId))!.status).toBe('succeeded');
  });

  it('records a NaN loss as diverged', async () => {
    const input = await queuedTrial(2, lenet, { ...protocol, optimizer: 'sgd', learningRate: 1e38 });
    const result = await train(environment().env, activities(), input);
    expect(result.status).toBe('diverged');
    expect(result.valAccuracy).toBeNull();
    expect((await getTrial(database.db, input.trialId))!.status).toBe('diverged');
  });

  it('fails without retry when the data is missing, naming NAS_DATA_DIR and the fix', async () => {
    const input = await queuedTrial(3);
    const empty = mkdtempSync(join(tmpdir(), 'nas-nodata-'));
    try {
      const run = train(environment().env, activities({ dataDir: empty }), input);
      await expect(run).rejects.toBeInstanceOf(ApplicationFailure);
      const failure = (await run.catch((e: unknown) => e)) as ApplicationFailure;
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('DataError');
      expect(failure.message).toMatch(/NAS_DATA_DIR/);
      expect(failure.message).toContain(empty);
      expect(failure.message).toContain('apt-get install dataset-fashion-mnist');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fails without retry on a corrupt data file or sizes the files cannot hold, naming the path', async () => {
    const corrupt = mkdtempSync(join(tmpdir(), 'nas-corrupt-'));
    try {
      writeIdxFixture(corrupt, { train: 400, test: 100, seed: 9, gzip: false });
      const images = join(corrupt, 'train-images-idx3-ubyte');
      writeFileSync(images, encodeIdx([400, 32, 32], new Uint8Array(400 * 32 * 32)));
      const wrongShape = (await train(environment().env, activities({ dataDir: corrupt }), await queuedTrial(12)).catch(
        (e: unknown) => e,
      )) as ApplicationFailure;
      expect(wrongShape).toBeInstanceOf(ApplicationFailure);
      expect(wrongShape).toMatchObject({ nonRetryable: true, type: 'DataError' });
      expect(wrongShape.message).toContain(images);
      const tooMany = await queuedTrial(13, lenet, { ...protocol, trainSize: 390, valSize: 20 });
      const sizes = (await train(environment().env, activities(), tooMany).catch(
        (e: unknown) => e,
      )) as ApplicationFailure;
      expect(sizes).toMatchObject({ nonRetryable: true, type: 'DataError' });
      expect(sizes.message).toContain(
        `Fashion-MNIST in ${dataDir} (NAS_DATA_DIR): protocol.trainSize + protocol.valSize = 390 + 20`,
      );
    } finally {
      rmSync(corrupt, { recursive: true, force: true });
    }
  });

  it('fails without retry on an image of a folder dataset that does not decode, naming its path', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'nas-folder-'));
    const cacheBefore = process.env.NAS_DATASET_CACHE;
    process.env.NAS_DATASET_CACHE = join(scratch, 'cache');
    try {
      const dir = join(scratch, 'images');
      await writeFolderDataset(dir, { classes: 2, perClass: 10, size: 12 });
      const described = await describeDataset(`folder:${dir}`);
      // Garbled at its size behind the cache's back: the version stays, the trainer decodes it.
      rmSync(join(scratch, 'cache'), { recursive: true });
      const image = join(dir, 'class-b', '4.png');
      writeFileSync(image, Buffer.alloc(statSync(image).size, 3));
      const input = await queuedTrial(14, lenet, { ...protocol, ...described, trainSize: 10, valSize: 4, testSize: 4 });
      const failure = (await train(environment().env, activities(), input).catch(
        (e: unknown) => e,
      )) as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ nonRetryable: true, type: 'DataError' });
      expect(failure.message).toContain(`${image}: cannot be decoded as an image`);
    } finally {
      if (cacheBefore === undefined) delete process.env.NAS_DATASET_CACHE;
      else process.env.NAS_DATASET_CACHE = cacheBefore;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('fails without retry on an invalid genotype, and refuses to train a trial that ended otherwise', async () => {
    const bad = { family: 'baseline', version: 1, name: 'no-such-net' } as unknown as Architecture;
    const input = await queuedTrial(4, bad);
    const failure = (await train(environment().env, activities(), input).catch(
      (e: unknown) => e,
    )) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'GenotypeError' });
    expect(failure.message).toMatch(/no-such-net/);

    const cancelled = await queuedTrial(5);
    await finishTrial(database.db, cancelled.trialId, { status: 'cancelled', error: 'search stopped' });
    const ended = (await train(environment().env, activities(), cancelled).catch(
      (e: unknown) => e,
    )) as ApplicationFailure;
    expect(ended).toMatchObject({ nonRetryable: true, type: 'TrialEnded' });
    expect(ended.message).toMatch(/already ended as cancelled/);
  });

  it('recognises the out-of-memory errors of the tfjs backends (made non-retryable)', () => {
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'))).toBe(true);
    expect(isOutOfMemory(new Error('OOM when allocating tensor with shape[64,128,28,28]'))).toBe(true);
    const wasmAbort = Object.assign(new Error('Aborted(). Build with -sASSERTIONS for more info.'), {
      name: 'RuntimeError',
    });
    expect(isOutOfMemory(wasmAbort)).toBe(true);
    expect(isOutOfMemory(new Error('Aborted by the user'))).toBe(false);
    expect(isOutOfMemory(new Error('connection reset by peer'))).toBe(false);
    expect(isOutOfMemory('out of memory')).toBe(false);
  });
});
