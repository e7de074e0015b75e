/**
 * The weight-sharing phases as activities on the trainer queue of a real Temporal dev server
 * (`enasPhasesWorkflow`: one training phase, one scoring round): the same seed gives the same
 * curve and scores; a phase whose first attempt died mid-way is retried from its checkpoint file and
 * ends as an uninterrupted one; a phase cancelled mid-way resumes at its last checkpoint.
 */
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNasnet } from '../cells/nasnet/index.ts';
import type {
  ScoreSharedPhaseResult,
  SharingActivities,
  TrainSharedPhaseInput,
  TrainSharedPhaseResult,
} from '../contracts/activities.ts';
import {
  createSharingActivities,
  sharedCheckpointPath,
  type SharingHeartbeat,
} from '../workers/activities/weight-sharing.ts';
import { createSearchStack, type SearchStack, TRAINER_QUEUE, tinySearchRequest } from '../harness/search-stack.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { enasPhasesWorkflow, type EnasPhasesResult } from '../workflows/enas-phases.ts';

const space = {
  blocks: 2,
  ops: ['identity', 'conv_1x1', 'max_pool_3x3', 'sep_conv_3x3'],
  network: { cellsPerStage: 1, reductions: 1, filters: 4 },
} as const satisfies TrainSharedPhaseInput['space'];

const trainPhase = (searchId: string, seed: number): TrainSharedPhaseInput => {
  const { protocol, input, classes } = tinySearchRequest();
  return {
    searchId,
    seed,
    space,
    input,
    classes,
    protocol,
    fromStep: 0,
    toStep: 6,
    architectures: { uniformSeed: seed },
    learningRate: 0.05,
    checkpointEvery: 2,
  };
};
const scored = Array.from({ length: 3 }, (_, i) => sampleNasnet(seedrandom(`scored/${i}`), space));

/** A phase's result less its CPU time, which differs from run to run: checked here to be measured, then dropped. */
function withoutCost<T extends { cpuSeconds?: number | null }>(phase: T): Omit<T, 'cpuSeconds'> {
  const { cpuSeconds, ...rest } = phase;
  expect(cpuSeconds).toBeGreaterThan(0);
  return rest;
}

function phasesWithoutCost({ train, score }: EnasPhasesResult) {
  return { train: withoutCost(train), score: withoutCost(score) };
}

describe('weight-sharing phases as Temporal activities', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const run = (searchId: string, seed: number, wrapSharing?: (real: SharingActivities) => SharingActivities) =>
    runPhases(searchId, seed, wrapSharing).then(phasesWithoutCost);
  const runPhases = (searchId: string, seed: number, wrapSharing?: (real: SharingActivities) => SharingActivities) =>
    stack.withWorkers(
      () =>
        stack.env.client.workflow.execute(enasPhasesWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: `enas-phases-${searchId}`,
          args: [
            {
              trainerTaskQueue: TRAINER_QUEUE,
              train: trainPhase(searchId, seed),
              score: { round: 0, batches: 2, architectures: scored },
            },
          ],
        }),
      undefined,
      { wrapSharing },
    );

  let reference: Awaited<ReturnType<typeof run>>;

  it('the same seed gives the same training curve and the same scores; another seed other scores', async () => {
    reference = await run('seed-7-a', 7);
    const again = await run('seed-7-b', 7);
    const other = await run('seed-8', 8);
    expect(reference.train).toMatchObject({ step: 6, resumedAt: 0 });
    expect(reference.train.curve).toHaveLength(6);
    expect(reference.score.step).toBe(6);
    expect(reference.score.scores).toHaveLength(3);
    expect(again).toEqual(reference);
    expect(other.score.scores).not.toEqual(reference.score.scores);
    // The shared weights stayed on the trainer, in the search's checkpoint file.
    expect(existsSync(sharedCheckpointPath(stack.sharingDir, 'seed-7-a'))).toBe(true);
  });

  it('a trainer lost mid-phase: Temporal retries the phase, which resumes at the checkpoint and ends as an uninterrupted run', async () => {
    const attempts: number[] = [];
    const result = await run('seed-7-retried', 7, (real) => ({
      ...real,
      async trainSharedPhase(input) {
        attempts.push(Context.current().info.attempt);
        if (Context.current().info.attempt === 1) {
          // The trainer gets through steps 0-2 (checkpoints at 2 and 3), then its attempt fails.
          await real.trainSharedPhase({ ...input, toStep: 3 });
          throw new Error('trainer lost mid-phase');
        }
        return real.trainSharedPhase(input);
      },
    }));
    expect(attempts).toEqual([1, 2]);
    expect(result.train.resumedAt).toBe(3);
    expect(result).toEqual({ ...reference, train: { ...reference.train, resumedAt: 3 } });
  });

  it('a trainer worker shut down mid-phase: the phase is retried on the next worker from its checkpoint and ends as an uninterrupted run', async () => {
    const searchId = 'seed-7-shutdown';
    const checkpoint = sharedCheckpointPath(stack.sharingDir, searchId);
    const handle = await stack.withWorkers(async () => {
      const started = await stack.env.client.workflow.start(enasPhasesWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: `enas-phases-${searchId}`,
        args: [
          {
            trainerTaskQueue: TRAINER_QUEUE,
            train: trainPhase(searchId, 7),
            score: { round: 0, batches: 2, architectures: scored },
          },
        ],
      });
      while (!existsSync(checkpoint)) await new Promise((resolve) => setTimeout(resolve, 5));
      return started;
    });
    // The workers stopped as soon as the first checkpoint (step 2) was written; others take over.
    const result = phasesWithoutCost(await stack.withWorkers(() => handle.result()));
    expect(result.train.resumedAt).toBeGreaterThanOrEqual(2);
    expect(result.train.resumedAt).toBeLessThan(6);
    expect(result).toEqual({ ...reference, train: { ...reference.train, resumedAt: result.train.resumedAt } });
  });

  it('a phase cancelled mid-way keeps its last checkpoint; the retried attempt resumes there and ends as an uninterrupted run', async () => {
    const activities = createSharingActivities({
      sharingDir: stack.sharingDir,
      dataDir: stack.dataDir,
      heartbeatMs: 0,
    });
    const input = trainPhase('seed-7-cancelled', 7);
    const cancelled = new MockActivityEnvironment({ attempt: 1 });
    const beats: number[] = [];
    cancelled.on('heartbeat', (details: SharingHeartbeat) => {
      if (details.phase !== 'train') return;
      beats.push(details.step);
      // Step 2 done (state at step 3); the checkpoint is at step 2.
      if (details.step === 3) cancelled.cancel();
    });
    await expect(cancelled.run(activities.trainSharedPhase, input)).rejects.toMatchObject({ name: 'CancelledFailure' });
    expect(beats).toEqual([0, 1, 2, 3]);

    const retried = new MockActivityEnvironment({ attempt: 2 });
    const train = withoutCost((await retried.run(activities.trainSharedPhase, input)) as TrainSharedPhaseResult);
    expect(train).toEqual({ ...reference.train, resumedAt: 2 });
    const score = withoutCost(
      (await new MockActivityEnvironment().run(activities.scoreSharedPhase, {
        ...input,
        round: 0,
        batches: 2,
        architectures: scored,
      })) as ScoreSharedPhaseResult,
    );
    expect(score).toEqual(reference.score);
  });
});
