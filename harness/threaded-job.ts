/** A tiny NASNet training job on generated Fashion-MNIST-shaped data, for the training-thread tests and bench. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { architectureHash } from '../cells/index.ts';
import { sampleNasnet } from '../cells/nasnet/space.ts';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol.ts';
import { readFashionMnist } from '../engine/data/fashion-mnist.ts';
import { splitDataset } from '../engine/data/split.ts';
import { trainingDataOf, type TrainingHooks, type TrainingJob } from '../engine/run-training.ts';
import { writeIdxFixture } from './idx-files.ts';

export function threadedJob(trialId = 'threads/0') {
  const protocol: TrainingProtocol = {
    ...DEFAULT_PROTOCOL,
    trainSize: 160,
    valSize: 64,
    testSize: 64,
    epochs: 1,
    batchSize: 32,
  };
  const dir = mkdtempSync(join(tmpdir(), 'nas-threaded-job-'));
  writeIdxFixture(dir, { train: 300, test: 100, seed: 5 });
  const data = trainingDataOf(splitDataset(readFashionMnist(dir), protocol));
  const rng = seedrandom('threaded-job');
  const architecture = sampleNasnet(() => rng(), {
    blocks: 2,
    ops: ['identity', 'conv_1x1', 'max_pool_3x3', 'sep_conv_3x3'],
    network: { cellsPerStage: 1, reductions: 1, filters: 4 },
  });
  const job: TrainingJob = {
    trialId,
    architecture,
    archHash: architectureHash(architecture),
    protocol,
    data,
    checkpoint: null,
  };
  const hooks = (signal?: AbortSignal): TrainingHooks => ({
    onStart() {},
    onProgress() {},
    onEpoch: async () => {},
    onUnusableCheckpoint: async () => {},
    signal,
  });
  return { job, hooks, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
