/**
 * The trial pool on a real dev server with the stub trainer: the same signals on all three
 * workflow kinds, proposals independent of parallelism, stored rewards, failures that end at once.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINES } from '../cells/baselines/index.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { getSearch } from '../db/queries/searches.ts';
import { listTrials } from '../db/queries/trials.ts';
import type { BaselinesRequest, SearchRequest } from '../search/request.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { baselinesWorkflow } from '../workflows/baselines.ts';
import { scalingStudyWorkflow } from '../workflows/scaling.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { pauseSignal, progressQuery, resumeSignal, setParallelismSignal, stopSignal } from '../workflows/signals.ts';
import {
  createSearchStack,
  tinySearchRequest,
  TRAINER_QUEUE,
  type SearchStack,
  tinyScalingRequest,
} from '../harness/search-stack.ts';
import { createStubTrainer, type StubTrainerOptions } from '../harness/stub-trainer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function baselinesRequest(searchId: string, parallel = 1): BaselinesRequest {
  const { protocol, budget, input, classes } = tinySearchRequest();
  return {
    searchId,
    entries: ['lenet5', 'alexnet-small', 'resnet20', 'vgg-small'].map((name) => {
      const index = BASELINES.findIndex((b) => b.name === name);
      return { index, name, architecture: BASELINES[index].architecture };
    }),
    protocol,
    parallel,
    budget,
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
}

describe('the trial pool on a real Temporal dev server', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const withStub = <T>(fn: () => Promise<T>, options: StubTrainerOptions = {}, slots = 4) =>
    stack.withWorkers(fn, () => createStubTrainer(stack.database.db, options), { trainerSlots: slots });
  const start = (
    workflow: typeof searchWorkflow | typeof baselinesWorkflow | typeof scalingStudyWorkflow,
    id: string,
    request: unknown,
  ) =>
    stack.env.client.workflow.start(workflow as typeof searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: id,
      args: [request as SearchRequest],
    }) as Promise<WorkflowHandle>;
  const until = async (handle: WorkflowHandle, test: (p: Awaited<ReturnType<typeof readProgress>>) => boolean) => {
    for (let i = 0; i < 400; i++) {
      const progress = await readProgress(handle);
      if (test(progress)) return progress;
      await sleep(50);
    }
    throw new Error('progress never reached the expected state');
  };
  const readProgress = (handle: WorkflowHandle) => handle.query(progressQuery);

  /** Pause: nothing new starts; scale: more run at once; resume; stop: ends stopped, nothing left running. */
  const steer = async (handle: WorkflowHandle, id: string) => {
    await until(handle, (p) => p.running.length > 0);
    await handle.signal(pauseSignal);
    await until(handle, (p) => p.paused && p.running.length === 0);
    const paused = await readProgress(handle);
    await sleep(400);
    expect((await readProgress(handle)).dispatched).toBe(paused.dispatched);
    expect((await getSearch(stack.database.db, id))?.status).toBe('paused');
    await handle.signal(setParallelismSignal, 3);
    await handle.signal(resumeSignal);
    const resumed = await until(handle, (p) => !p.paused && p.running.length > 0);
    expect(resumed.parallel).toBe(3);
    await handle.signal(stopSignal);
    await handle.result();
    const rows = await listTrials(stack.database.db, id);
    expect(rows.filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
    expect((await getSearch(stack.database.db, id))?.status).toBe('stopped');
    return { paused, rows };
  };

  it('pauses, resumes, re-sizes and stops a search', async () => {
    const request = tinySearchRequest({ searchId: 'pool-steer-search', trials: 40, parallel: 1, seed: 21 });
    const { rows } = await withStub(
      async () => steer(await start(searchWorkflow, request.searchId, request), request.searchId),
      { minMs: 200, maxMs: 400 },
    );
    expect(rows.length).toBeLessThan(40);
  });

  it('pauses, resumes, re-sizes and stops a baselines run', async () => {
    const request = baselinesRequest('pool-steer-baselines');
    const { rows } = await withStub(
      async () => steer(await start(baselinesWorkflow, request.searchId, request), request.searchId),
      { minMs: 300, maxMs: 500 },
    );
    expect(rows.length).toBeLessThanOrEqual(4);
  });

  it('pauses, resumes, re-sizes and stops a scaling study', async () => {
    const request = tinyScalingRequest('pool-steer-scaling', { parallel: 1 });
    await withStub(async () => steer(await start(scalingStudyWorkflow, request.studyId, request), request.studyId), {
      minMs: 300,
      maxMs: 500,
    });
  });

  it.each(['reinforce', 'evolution'] as const)(
    '%s proposes the same first 24 candidates at parallel 1 and parallel 4',
    async (name) => {
      const strategy =
        name === 'reinforce'
          ? { name, dedup: true, reinforce: { batchSize: 4 } }
          : { name, dedup: true, evolution: { population: 6, sample: 3 } };
      const archs: string[][] = [];
      for (const parallel of [1, 4]) {
        const request = tinySearchRequest({
          searchId: `pool-same-${name}-p${parallel}`,
          strategy,
          trials: 24,
          parallel,
          seed: 31,
        });
        await withStub(
          () =>
            stack.env.client.workflow.execute(searchWorkflow, {
              taskQueue: ORCHESTRATOR_TASK_QUEUE,
              workflowId: request.searchId,
              args: [request],
            }),
          {
            minMs: 20,
            maxMs: 300,
            seed: 5,
          },
        );
        archs.push((await listTrials(stack.database.db, request.searchId)).map((r) => r.archHash));
      }
      expect(archs[0]).toHaveLength(24);
      expect(archs[1]).toEqual(archs[0]);
    },
  );

  it('stores the MnasNet reward of every usable trial and ranks the leaderboard by it', async () => {
    const request = tinySearchRequest({
      searchId: 'pool-mnas',
      trials: 6,
      parallel: 3,
      seed: 41,
      reward: { objective: 'mnas', cost: 'flops', target: 1e6, w: -0.07 },
    });
    await withStub(() =>
      stack.env.client.workflow.execute(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      }),
    );
    const rows = await listTrials(stack.database.db, request.searchId);
    for (const row of rows) {
      expect(row.reward).toBeCloseTo(row.valAccuracy! * (Number(row.flops) / 1e6) ** -0.07, 5);
    }
    const board = await leaderboard(stack.database.db, { searchId: request.searchId });
    expect(board.every((r) => typeof r.reward === 'number')).toBe(true);
    const rewards = board.map((r) => r.reward!);
    expect(rewards).toEqual([...rewards].sort((a, b) => b - a));
    expect(JSON.parse(JSON.stringify(board))[0]).toHaveProperty('reward');
  });

  it('fails at once, non-retryably and naming the field, on a request the CLI would refuse', async () => {
    const request = tinySearchRequest({
      searchId: 'pool-invalid',
      trials: 20,
      parallel: 1,
      strategy: { name: 'random', halving: { eta: 2, levels: 15 } },
    });
    const started = Date.now();
    const error = await withStub(() =>
      stack.env.client.workflow
        .execute(searchWorkflow, { taskQueue: ORCHESTRATOR_TASK_QUEUE, workflowId: request.searchId, args: [request] })
        .catch((err: unknown) => err),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(String((error as WorkflowFailedError).cause?.message)).toMatch(/^invalid request: strategy\.halving: /);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await getSearch(stack.database.db, request.searchId)).toBeNull();
  });

  it('fails at once on a seed beyond the int4 column instead of retrying the insert', async () => {
    const request = tinySearchRequest({ searchId: 'pool-int4', seed: 3_000_000_000 });
    const error = await withStub(() =>
      stack.env.client.workflow
        .execute(searchWorkflow, { taskQueue: ORCHESTRATOR_TASK_QUEUE, workflowId: request.searchId, args: [request] })
        .catch((err: unknown) => err),
    );
    expect(String((error as WorkflowFailedError).cause?.message)).toMatch(
      /^invalid request: seed: must be an integer in 0\.\.2147483647/,
    );
  });

  it.each([
    [0, [0, 1, 2, 3, 4, 5]],
    [2, [0, 0, 0, 1, 2, 3]],
  ])(
    'window %i at parallel 1: the strategy has seen the results of trials 0..i-window-1 when it proposes trial i',
    async (window, seen) => {
      const strategy = { name: 'evolution' as const, dedup: true, evolution: { population: 3, sample: 2 }, window };
      const request = tinySearchRequest({
        searchId: `pool-window-${window}`,
        strategy,
        trials: 6,
        parallel: 1,
        seed: 52,
        trialsPerRun: 4,
      });
      const summary = await withStub(() =>
        stack.env.client.workflow.execute(searchWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: request.searchId,
          args: [request],
        }),
      );
      expect(summary.status).toBe('finished');
      const rows = await listTrials(stack.database.db, request.searchId);
      expect(rows.map((row) => row.strategySummary?.observed)).toEqual(seen);
    },
  );

  it.each([
    ['evolution', { name: 'evolution' as const, dedup: true, evolution: { population: 3, sample: 2 }, window: 2 }],
    // The controller's weights and Adam moments cross each continue-as-new as the snapshot's binary payload.
    [
      'reinforce',
      { name: 'reinforce' as const, dedup: true, reinforce: { batchSize: 2, learningRate: 0.05 }, window: 2 },
    ],
  ])(
    '%s: continues as new with results held by the proposal window and proposes what one run would',
    async (name, strategy) => {
      const archs: string[][] = [];
      for (const trialsPerRun of [3, 100]) {
        const request = tinySearchRequest({
          searchId: `pool-continued-${name}-${trialsPerRun}`,
          strategy,
          trials: 9,
          parallel: 2,
          seed: 51,
          trialsPerRun,
        });
        const summary = await withStub(() =>
          stack.env.client.workflow.execute(searchWorkflow, {
            taskQueue: ORCHESTRATOR_TASK_QUEUE,
            workflowId: request.searchId,
            args: [request],
          }),
        );
        expect(summary.status).toBe('finished');
        archs.push((await listTrials(stack.database.db, request.searchId)).map((r) => r.archHash));
      }
      expect(archs[0]).toHaveLength(9);
      expect(archs[0]).toEqual(archs[1]);
    },
  );
});
