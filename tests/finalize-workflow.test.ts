/**
 * The final evaluation on a real dev server with the stub trainer: K candidates x R repeats and
 * the baselines' R repeats each trained once, in the search's leaderboard order; a rerun trains
 * nothing; a second evaluation trains only what is new; stop works through the pool; a search
 * with `finalize` runs it as a child workflow; an invalid request fails at once.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINES } from '../cells/baselines/index.ts';
import type { TrainingActivities } from '../contracts/activities.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { getSearch } from '../db/queries/searches.ts';
import { listTrials } from '../db/queries/trials.ts';
import { createSearchStack, tinySearchRequest, TRAINER_QUEUE, type SearchStack } from '../harness/search-stack.ts';
import { createStubTrainer, type StubTrainerOptions } from '../harness/stub-trainer.ts';
import { finalIdOf, type FinalizeRequest } from '../search/final.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { finalizeWorkflow } from '../workflows/finalize.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { progressQuery, stopSignal } from '../workflows/signals.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the finalize workflow on a real Temporal dev server', () => {
  let stack: SearchStack;
  const trained: string[] = [];
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const { protocol: searchProtocol, input, classes } = tinySearchRequest();
  const finalProtocol: TrainingProtocol = { ...searchProtocol, trainSize: 300, valSize: 50, testSize: 100, epochs: 2 };
  const baselines = ['lenet5', 'resnet20'].map((name) => {
    const index = BASELINES.findIndex((b) => b.name === name);
    return { index, name, architecture: BASELINES[index].architecture };
  });
  const finalizeRequest = (searchId: string, top: number, repeats: number, parallel = 2): FinalizeRequest => {
    const base = { top, repeats, baselines, protocol: finalProtocol };
    return {
      finalId: finalIdOf(searchId, base),
      searchId,
      ...base,
      parallel,
      input,
      classes,
      trainerTaskQueue: TRAINER_QUEUE,
    };
  };
  /** The stub trainer, recording every trial it trains. */
  const withStub = <T>(fn: () => Promise<T>, minMs = 20, maxMs = 80, mayStart?: StubTrainerOptions['mayStart']) =>
    stack.withWorkers(
      fn,
      (): TrainingActivities => {
        const stub = createStubTrainer(stack.database.db, { minMs, maxMs, ...(mayStart ? { mayStart } : {}) });
        return {
          trainTrial: (input) => {
            trained.push(input.trialId);
            return stub.trainTrial(input);
          },
        };
      },
      { trainerSlots: 4 },
    );
  const execute = (request: FinalizeRequest) =>
    stack.env.client.workflow.execute(finalizeWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.finalId,
      args: [request],
    });

  it('trains K candidates and the baselines R times each, once per (architecture, seed); a rerun trains nothing', async () => {
    const search = tinySearchRequest({ searchId: 'final-source', trials: 6, parallel: 2, seed: 13 });
    await withStub(() =>
      stack.env.client.workflow.execute(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: search.searchId,
        args: [search],
      }),
    );
    const ranked = (await leaderboard(stack.database.db, { searchId: search.searchId, top: 2 })).map((r) => r.archHash);
    expect(ranked).toHaveLength(2);

    const request = finalizeRequest(search.searchId, 2, 3);
    trained.length = 0;
    const summary = await withStub(() => execute(request));
    expect(summary).toMatchObject({
      finalId: request.finalId,
      status: 'finished',
      candidates: 2,
      counts: { succeeded: 12 },
    });
    const rows = await listTrials(stack.database.db, request.finalId);
    expect(rows).toHaveLength(12);
    expect(new Set(trained)).toEqual(new Set(rows.map((r) => r.id)));
    expect(trained).toHaveLength(12);
    // Candidates in the search's leaderboard order, then the baselines; seeds protocol.seed + r.
    const seeds = [0, 1, 2].map((r) => finalProtocol.seed + r);
    expect(rows.map((r) => [r.trialIndex, r.role, r.seed, r.baselineName])).toEqual([
      ...seeds.map((seed, r) => [r, 'final', seed, null]),
      ...seeds.map((seed, r) => [3 + r, 'final', seed, null]),
      ...seeds.map((seed, r) => [6 + r, 'baseline', seed, 'lenet5']),
      ...seeds.map((seed, r) => [9 + r, 'baseline', seed, 'resnet20']),
    ]);
    expect(rows.slice(0, 3).every((r) => r.archHash === ranked[0])).toBe(true);
    expect(rows.slice(3, 6).every((r) => r.archHash === ranked[1])).toBe(true);
    expect(new Set(rows.map((r) => `${r.archHash}/${r.seed}`)).size).toBe(12);
    expect(new Set(rows.map((r) => r.protocolHash)).size).toBe(1);
    // Repeats differ (the stub's accuracy depends on the training seed).
    expect(new Set(rows.slice(0, 3).map((r) => r.valAccuracy)).size).toBeGreaterThan(1);
    expect(await getSearch(stack.database.db, request.finalId)).toMatchObject({ kind: 'final', status: 'finished' });

    // The same request again: every trial is already recorded, nothing trains.
    trained.length = 0;
    const again = await withStub(() => execute(request));
    expect(again.status).toBe('finished');
    expect(trained).toEqual([]);

    // Another evaluation (top 3, same protocol): only the third candidate's repeats train.
    trained.length = 0;
    const wider = finalizeRequest(search.searchId, 3, 3);
    expect(wider.finalId).not.toBe(request.finalId);
    const widerSummary = await withStub(() => execute(wider));
    expect(widerSummary.counts).toMatchObject({ reused: 12, succeeded: 3 });
    expect(trained.map((id) => id.split('/')[1]).sort()).toEqual(['6', '7', '8']);
  });

  it('stops through the pool: running trials cancelled, the record stopped', async () => {
    const search = tinySearchRequest({ searchId: 'final-stop-source', trials: 4, parallel: 2, seed: 17 });
    const request = finalizeRequest(search.searchId, 2, 3, 1);
    await withStub(
      async () => {
        await stack.env.client.workflow.execute(searchWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: search.searchId,
          args: [search],
        });
        const handle = await stack.env.client.workflow.start(finalizeWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: request.finalId,
          args: [request],
        });
        for (let i = 0; i < 200 && (await handle.query(progressQuery)).running.length === 0; i++) await sleep(25);
        await handle.signal(stopSignal);
        expect((await handle.result()).status).toBe('stopped');
      },
      400,
      600,
    );
    const rows = await listTrials(stack.database.db, request.finalId);
    expect(rows.length).toBeLessThan(12);
    expect(rows.filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
    expect((await getSearch(stack.database.db, request.finalId))?.status).toBe('stopped');
  });

  it('a search with finalize runs the final evaluation as a child when its loop ends', async () => {
    const search = tinySearchRequest({
      searchId: 'final-child-source',
      trials: 4,
      parallel: 2,
      seed: 19,
      finalize: { top: 1, repeats: 2, baselines: baselines.slice(0, 1), protocol: finalProtocol },
    });
    const summary = await withStub(() =>
      stack.env.client.workflow.execute(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: search.searchId,
        args: [search],
      }),
    );
    expect(summary.status).toBe('finished');
    expect(summary.final).toMatchObject({ status: 'finished', candidates: 1, searchId: search.searchId });
    const rows = await listTrials(stack.database.db, summary.final!.finalId);
    expect(rows.map((r) => [r.role, r.seed])).toEqual([
      ['final', finalProtocol.seed],
      ['final', finalProtocol.seed + 1],
      ['baseline', finalProtocol.seed],
      ['baseline', finalProtocol.seed + 1],
    ]);
  });

  it("a search's progress names its final evaluation, and its stop signal stops it", async () => {
    const search = tinySearchRequest({
      searchId: 'final-child-stop',
      trials: 2,
      parallel: 2,
      seed: 23,
      finalize: { top: 2, repeats: 3, baselines: [], protocol: finalProtocol },
    });
    // The final evaluation's trials never start: only the stop (which cancels running trials) can end it.
    const summary = await withStub(
      async () => {
        const handle = await stack.env.client.workflow.start(searchWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: search.searchId,
          args: [search],
        });
        let stage: unknown;
        for (let i = 0; i < 400 && stage !== 'finalizing'; i++) {
          stage = (await handle.query(progressQuery)).strategy.stage;
          if (stage !== 'finalizing') await sleep(25);
        }
        expect(stage).toBe('finalizing');
        await handle.signal(stopSignal);
        return handle.result();
      },
      20,
      80,
      (input) => input.searchId === search.searchId,
    );
    expect(summary.status).toBe('finished');
    expect(summary.final?.status).toBe('stopped');
    expect((await getSearch(stack.database.db, summary.final!.finalId))?.status).toBe('stopped');
  });

  it('an invalid request fails at once naming the field', async () => {
    const request = { ...finalizeRequest('final-bad', 2, 0), finalId: 'final-bad-x' };
    const failure = await withStub(() => execute(request).catch((err: unknown) => err));
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/repeats: must be an integer in 1\.\.100/);
  });
});
