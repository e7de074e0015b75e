/**
 * The weight-sharing phases: training the shared weights on sampled architectures, scoring
 * architectures with them, determinism for a seed, and resuming a killed trainer from its
 * checkpoint file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNasnetSpaceConfig, sampleNasnet, type NasnetSpaceConfig } from '../cells/nasnet';
import type { NasnetArchitecture } from '../contracts/genotypes';
import { selectBackend } from '../engine/backend';
import { TrainingCancelledError } from '../engine/loop';
import { type LabelledImages, scoreArchitectures, trainSharedSteps } from '../engine/sharing/phases';
import { SharedCheckpointError, loadSharedState } from '../engine/sharing/shared-checkpoint';
import { SharedMomentum } from '../engine/sharing/shared-momentum';
import { SharedNetwork } from '../engine/sharing/shared-network';

const config: NasnetSpaceConfig = { blocks: 2, network: { cellsPerStage: 1, reductions: 1, filters: 4 } };
const imageShape: [number, number, number] = [12, 12, 1];
const classes = 4;
const dir = mkdtempSync(join(tmpdir(), 'nas-sharing-'));

/** Images whose class brightens one quadrant, plus seeded noise. */
function images(count: number, seed: string): LabelledImages {
  const rng = seedrandom(seed);
  const [h, w] = imageShape;
  const x = new Float32Array(count * h * w);
  const y = Int32Array.from({ length: count }, (_, i) => i % classes);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const quadrant = (r < h / 2 ? 0 : 2) + (c < w / 2 ? 0 : 1);
        x[i * h * w + r * w + c] = 0.5 * rng() + (quadrant === y[i] ? 0.5 : 0);
      }
    }
  }
  return { x, y };
}
const train = images(48, 'train');
const validation = images(32, 'validation');
const sampled = (seed: number, step: number): NasnetArchitecture =>
  sampleNasnet(seedrandom(`${seed}/architecture/${step}`), config);
const scored = Array.from({ length: 4 }, (_, i) => sampled(999, i));

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  network: SharedNetwork;
  optimizer: SharedMomentum;
}
const fresh = (seed: number): Run => ({
  network: new SharedNetwork({
    space: resolveNasnetSpaceConfig(config),
    input: { height: 12, width: 12, channels: 1 },
    classes,
    seed,
  }),
  optimizer: new SharedMomentum(),
});
const dispose = (run: Run) => {
  run.network.dispose();
  run.optimizer.dispose();
};

function phase(
  run: Run,
  seed: number,
  checkpointPath: string,
  options: { toStep: number; fromStep?: number; signal?: AbortSignal; onStep?: (step: number) => void },
) {
  return trainSharedSteps({
    ...run,
    train,
    imageShape,
    batchSize: 8,
    seed,
    fromStep: options.fromStep ?? 0,
    toStep: options.toStep,
    architectureAt: (step) => sampled(seed, step),
    learningRateAt: () => 0.05,
    checkpointPath,
    checkpointEvery: 2,
    signal: options.signal,
    onStep: options.onStep,
  });
}

const score = (run: Run, seed: number) =>
  scoreArchitectures({
    network: run.network,
    architectures: scored,
    validation,
    imageShape,
    batchSize: 8,
    batches: 2,
    seed,
    round: 0,
  });

/** Trains 8 steps from scratch and scores the 4 architectures; returns the curve and the scores. */
async function search(seed: number, name: string) {
  const run = fresh(seed);
  try {
    const state = await phase(run, seed, join(dir, name), { toStep: 8 });
    return { curve: state.curve, scores: await score(run, seed) };
  } finally {
    dispose(run);
  }
}

describe('weight-sharing phases', () => {
  it('the same seed gives the same training curve and the same scores; another seed other scores', async () => {
    const first = await search(1, 'determinism-a');
    const again = await search(1, 'determinism-b');
    const other = await search(2, 'determinism-c');
    expect(again).toEqual(first);
    expect(first.curve).toHaveLength(8);
    expect(first.scores).toHaveLength(4);
    expect(other.scores).not.toEqual(first.scores);
    for (const s of first.scores) expect(s.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('a trainer killed mid-phase resumes from its checkpoint and ends where an uninterrupted one ends', async () => {
    const before = tf.memory().numTensors;
    const uninterrupted = await search(3, 'resume-reference');
    const path = join(dir, 'resume');
    const killed = fresh(3);
    const controller = new AbortController();
    await expect(
      phase(killed, 3, path, {
        toStep: 8,
        signal: controller.signal,
        onStep: (step) => {
          if (step === 4) controller.abort(new Error('trainer killed'));
        },
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    dispose(killed);
    // Nothing of the killed process survives but its file: a new process starts from fresh weights.
    const resumed = fresh(3);
    const trained: number[] = [];
    try {
      const state = await phase(resumed, 3, path, { toStep: 8, onStep: (step) => void trained.push(step) });
      expect(trained).toEqual([4, 5, 6, 7]);
      expect(state.curve).toEqual(uninterrupted.curve);
      expect(await score(resumed, 3)).toEqual(uninterrupted.scores);
      // A retried phase that already finished trains nothing; the next phase continues from step 8.
      trained.length = 0;
      await phase(resumed, 3, path, { toStep: 8, onStep: (step) => void trained.push(step) });
      expect(trained).toEqual([]);
      await phase(resumed, 3, path, { fromStep: 8, toStep: 9, onStep: (step) => void trained.push(step) });
      expect(trained).toEqual([8]);
      await expect(phase(resumed, 3, join(dir, 'missing'), { fromStep: 8, toStep: 9 })).rejects.toThrow(
        /is at step 0, the phase starts at 8/,
      );
    } finally {
      dispose(resumed);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('training the shared weights on one architecture lowers its loss', async () => {
    const run = fresh(4);
    const arch = sampled(4, 0);
    try {
      const state = await trainSharedSteps({
        ...run,
        train,
        imageShape,
        batchSize: 8,
        seed: 4,
        fromStep: 0,
        toStep: 24,
        architectureAt: () => arch,
        learningRateAt: () => 0.05,
        checkpointPath: join(dir, 'one-architecture'),
        checkpointEvery: 24,
      });
      const mean = (steps: { loss: number }[]) => steps.reduce((sum, s) => sum + s.loss, 0) / steps.length;
      expect(mean(state.curve.slice(-6))).toBeLessThan(0.8 * mean(state.curve.slice(0, 6)));
    } finally {
      dispose(run);
    }
  });

  it('refuses a checkpoint of another shared network, and a file that is not one', async () => {
    const run = fresh(5);
    const other: Run = {
      network: new SharedNetwork({
        space: resolveNasnetSpaceConfig({ ...config, blocks: 3 }),
        input: { height: 12, width: 12, channels: 1 },
        classes,
        seed: 5,
      }),
      optimizer: new SharedMomentum(),
    };
    try {
      await phase(run, 5, join(dir, 'layout'), { toStep: 1 });
      await expect(loadSharedState(join(dir, 'layout'), other.network, other.optimizer)).rejects.toThrow(
        /holds the weights of another shared network/,
      );
      writeFileSync(join(dir, 'garbage'), 'not weights');
      await expect(loadSharedState(join(dir, 'garbage'), run.network, run.optimizer)).rejects.toBeInstanceOf(
        SharedCheckpointError,
      );
    } finally {
      dispose(run);
      dispose(other);
    }
  });
});
