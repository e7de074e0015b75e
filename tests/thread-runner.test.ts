import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainingCancelledError } from '../engine/loop.ts';
import type { TrainingRun } from '../engine/run-training.ts';
import { endIdleTrainingThreads, idleTrainingThreads, runTrainingInThread } from '../engine/thread-runner.ts';
import { threadedJob } from '../harness/threaded-job.ts';

const ONE_TRAINING = fileURLToPath(new URL('./support/one-threaded-training.ts', import.meta.url));
const { job, hooks, cleanup } = threadedJob();
afterAll(async () => {
  await endIdleTrainingThreads();
  expect(idleTrainingThreads()).toBe(0);
  cleanup();
});

function outcomeOf(run: TrainingRun) {
  if (run.overLatency) throw new Error('no latency budget was given');
  return run.outcome;
}
const curve = (run: TrainingRun) => {
  const { epochs, valAccuracy, testAccuracy } = outcomeOf(run);
  return { losses: epochs.map((e) => e.trainLoss), valAccuracy, testAccuracy };
};

describe('training threads', () => {
  it('runs the next training on the thread the last one left idle, to the same curve', async () => {
    const fresh = await runTrainingInThread(job, 'wasm', hooks());
    expect(outcomeOf(fresh).status).toBe('succeeded');
    expect(idleTrainingThreads()).toBe(1);
    const reused = await runTrainingInThread(job, 'wasm', hooks());
    expect(idleTrainingThreads()).toBe(1);
    expect(curve(reused)).toEqual(curve(fresh));
  });

  it('ends the thread of a cancelled training; the next training starts a fresh one', async () => {
    const controller = new AbortController();
    const cancelled = runTrainingInThread(job, 'wasm', {
      ...hooks(controller.signal),
      onStart: () => controller.abort(),
    });
    await expect(cancelled).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(idleTrainingThreads()).toBe(0);
    const next = await runTrainingInThread(job, 'wasm', hooks());
    expect(outcomeOf(next).status).toBe('succeeded');
    expect(idleTrainingThreads()).toBe(1);
  });

  it('lets a process end while its training thread waits idle', () => {
    const run = spawnSync(process.execPath, [ONE_TRAINING], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain('trained succeeded');
  });
});
