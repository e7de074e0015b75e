/**
 * The weight-sharing phases: training the shared weights on sampled architectures, scoring
 * architectures with them, determinism for a seed, and resuming a killed trainer from its
 * checkpoint file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNasnetSpaceConfig } from '../cells/nasnet/index.ts';
import { selectBackend } from '../engine/backend.ts';
import { assembleBatch, epochPermutation } from '../engine/batches.ts';
import { TrainingCancelledError } from '../engine/loop.ts';
import { trainSharedSteps } from '../engine/sharing/phases.ts';
import { SharedCheckpointError, loadSharedState } from '../engine/sharing/shared-checkpoint.ts';
import { SharedMomentum } from '../engine/sharing/shared-momentum.ts';
import { SharedNetwork } from '../engine/sharing/shared-network.ts';
import {
  type Run,
  classes,
  config,
  dispose,
  fresh,
  imageShape,
  phase,
  sampled,
  score,
  train,
} from './support/sharing-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'nas-sharing-'));
const CHILD = join(import.meta.dirname, 'support', 'shared-training-child.ts');

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
  rmSync(dir, { recursive: true, force: true });
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

/** Fresh weights resumed from the checkpoint at `path` train steps 4-7 only and end as `uninterrupted` ended. */
async function resumesLike(
  uninterrupted: Awaited<ReturnType<typeof search>>,
  path: string,
  andThen?: (resumed: Run) => Promise<void>,
) {
  const resumed = fresh(3);
  const trained: number[] = [];
  try {
    const state = await phase(resumed, 3, path, { toStep: 8, onStep: (step) => void trained.push(step) });
    expect(trained).toEqual([4, 5, 6, 7]);
    expect(state.curve).toEqual(uninterrupted.curve);
    expect(await score(resumed, 3)).toEqual(uninterrupted.scores);
    await andThen?.(resumed);
  } finally {
    dispose(resumed);
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

  it('a phase aborted mid-way resumes from its checkpoint in fresh objects and ends where an uninterrupted one ends; a finished phase trains nothing', async () => {
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
    await resumesLike(uninterrupted, path, async (resumed) => {
      // A retried phase that already finished trains nothing; the next phase continues from step 8.
      const trained: number[] = [];
      await phase(resumed, 3, path, { toStep: 8, onStep: (step) => void trained.push(step) });
      expect(trained).toEqual([]);
      await phase(resumed, 3, path, { fromStep: 8, toStep: 9, onStep: (step) => void trained.push(step) });
      expect(trained).toEqual([8]);
      await expect(phase(resumed, 3, join(dir, 'missing'), { fromStep: 8, toStep: 9 })).rejects.toThrow(
        /is at step 0, the phase starts at 8/,
      );
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a trainer process killed with SIGKILL mid-phase: the next one resumes at its last checkpoint', async () => {
    const path = join(dir, 'sigkill');
    // Hangs after training step 4: steps 0-3 are checkpointed, step 4 is lost with the process.
    const child = spawn(process.execPath, [CHILD, path, '3', '8', '4'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('step 4\n')) resolve();
      });
      void exited.then(() => reject(new Error(`the trainer exited before step 4: ${output}`)));
    });
    child.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');

    await resumesLike(await search(3, 'sigkill-reference'), path);
  }, 120_000);

  /** Step 0 of a search of `seed` with batches of 8 (at learning rate 0.05), and its batch. */
  const firstStep = (run: ReturnType<typeof fresh>, seed: number, name: string, microBatchSize?: number) =>
    trainSharedSteps({
      ...run,
      train,
      imageShape,
      batchSize: 8,
      microBatchSize,
      seed,
      fromStep: 0,
      toStep: 1,
      architectureAt: (step) => sampled(seed, step),
      learningRateAt: () => 0.05,
      checkpointPath: join(dir, name),
      checkpointEvery: 1,
    });
  const firstBatch = (seed: number) =>
    assembleBatch(train.x, train.y, epochPermutation(48, seed, 0).subarray(0, 8), imageShape, null);

  it("a step in micro-batches moves the weights by the mean of the micro-batches' gradients", async () => {
    const before = tf.memory().numTensors;
    const stepped = fresh(6);
    const reference = fresh(6);
    try {
      await firstStep(stepped, 6, 'micro-batches', 3);
      // Step 0's batch, in micro-batches of 3, 3 and 2 images, by hand.
      const batch = firstBatch(6);
      const path = reference.network.path(sampled(6, 0));
      const pixels = 12 * 12;
      const parts = [
        [0, 3],
        [3, 3],
        [6, 2],
      ].map(([first, count]) => {
        const x = tf.tensor4d(batch.x.subarray(first * pixels, (first + count) * pixels), [count, ...imageShape]);
        const y = tf.tensor1d(batch.y.subarray(first, first + count), 'int32');
        try {
          return { count, ...reference.network.lossAndGradients(path, x, y) };
        } finally {
          tf.dispose([x, y]);
        }
      });
      let largest = 0;
      for (const key of parts[0].gradients.keys()) {
        largest = Math.max(
          largest,
          tf.tidy(() => {
            const mean = parts.reduce(
              (sum, p) => tf.add(sum, tf.mul(p.gradients.get(key)!, p.count / 8)),
              tf.zerosLike(parts[0].gradients.get(key)!),
            );
            const expected = tf.sub(reference.network.variables.get(key)!, tf.mul(mean, 0.05));
            return tf.max(tf.abs(tf.sub(stepped.network.variables.get(key)!, expected))).dataSync()[0];
          }),
        );
      }
      tf.dispose(parts.flatMap((p) => [...p.gradients.values()]));
      expect(parts[0].gradients.size).toBeGreaterThan(0);
      expect(largest).toBeLessThan(1e-6);
    } finally {
      dispose(stepped);
      dispose(reference);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("bounds a step's gradients at a global norm of 5, as ENAS does", async () => {
    const stepped = fresh(9);
    const reference = fresh(9);
    // Kernels ten times their initial size give gradients beyond the bound.
    for (const run of [stepped, reference])
      for (const [key, weight] of run.network.variables)
        if (key.endsWith('/kernel')) weight.assign(tf.tidy(() => tf.mul(weight, 10)));
    try {
      await firstStep(stepped, 9, 'bounded');
      const batch = firstBatch(9);
      const x = tf.tensor4d(batch.x, [8, ...imageShape]);
      const y = tf.tensor1d(batch.y, 'int32');
      const { gradients } = reference.network.lossAndGradients(reference.network.path(sampled(9, 0)), x, y);
      tf.dispose([x, y]);
      const norm = Math.sqrt(
        [...gradients.values()].reduce((sum, g) => sum + tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]), 0),
      );
      expect(norm).toBeGreaterThan(5);
      const distanceAfter = (scale: number) => {
        let largest = 0;
        for (const [key, gradient] of gradients) {
          largest = Math.max(
            largest,
            tf.tidy(() => {
              const expected = tf.sub(reference.network.variables.get(key)!, tf.mul(gradient, 0.05 * scale));
              return tf.max(tf.abs(tf.sub(stepped.network.variables.get(key)!, expected))).dataSync()[0];
            }),
          );
        }
        return largest;
      };
      expect(distanceAfter(5 / norm)).toBeLessThan(1e-5);
      expect(distanceAfter(1)).toBeGreaterThan(1e-4);
      tf.dispose([...gradients.values()]);
    } finally {
      dispose(stepped);
      dispose(reference);
    }
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
