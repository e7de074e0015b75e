import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { getSearch } from '../db/queries/searches.ts';
import { listEpochs, listTrials } from '../db/queries/trials.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { progressQuery, stopSignal } from '../workflows/signals.ts';
import { createSearchStack, tinySearchRequest, workflowBundle, type SearchStack } from '../harness/search-stack.ts';

describe('searchWorkflow on a real Temporal dev server', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const run = (request = tinySearchRequest()) =>
    stack.env.client.workflow.execute(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });

  it('trains 3 candidates into 3 trial rows and ranks them', async () => {
    const request = tinySearchRequest({ searchId: 'three-trials' });
    const summary = await stack.withWorkers(() => run(request));

    const db = stack.database.db;
    const rows = await listTrials(db, request.searchId);
    expect(rows.map((r) => [r.status, r.error])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
      ['succeeded', null],
    ]);
    expect(summary).toMatchObject({ status: 'finished', counts: { succeeded: 3 } });
    expect(rows.map((r) => r.trialIndex).sort()).toEqual([0, 1, 2]);
    for (const row of rows) {
      expect(row.status).toBe('succeeded');
      expect(row.valAccuracy).toBeGreaterThan(0);
      expect(row.params).toBeGreaterThan(0);
      expect(row.worker).toBe('test-trainer');
      expect(await listEpochs(db, row.id)).toHaveLength(1);
    }
    const board = await leaderboard(db, { searchId: request.searchId });
    expect(board).toHaveLength(new Set(rows.map((r) => r.archHash)).size);
    expect(board[0].valAccuracy).toBe(Math.max(...rows.map((r) => r.valAccuracy!)));
    expect((await getSearch(db, request.searchId))?.status).toBe('finished');

    const history = await stack.env.client.workflow.getHandle(request.searchId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, request.searchId);
    // A trial's only task-queue round trip is its training: prepareTrial runs as a local activity, and
    // under plain accuracy no reward is written (the row's validation accuracy is the reward).
    const activities = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activities.filter((name) => name === 'trainTrial')).toHaveLength(3);
    expect(activities).not.toContain('prepareTrial');
    expect(activities).not.toContain('recordReward');
    const localActivities = (history.events ?? []).filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    expect(localActivities).toHaveLength(3);
  });

  it('reuses results of architectures already trained under the same protocol', async () => {
    const request = tinySearchRequest({ searchId: 'three-trials-again' });
    const summary = await stack.withWorkers(() => run(request));
    expect(summary.counts.reused).toBe(3);
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.every((r) => r.status === 'reused' && r.reusedFrom?.startsWith('three-trials/'))).toBe(true);
  });

  it('keeps exactly one row when a training activity fails after writing', async () => {
    const request = tinySearchRequest({ searchId: 'flaky-trainer', seed: 12, trials: 2 });
    let injected = 0;
    const summary = await stack.withWorkers(
      () => run(request),
      (real) => ({
        async trainTrial(input) {
          const result = await real.trainTrial(input);
          if (Context.current().info.attempt === 1) {
            injected++;
            throw new Error('injected failure after the result was written');
          }
          return result;
        },
      }),
    );
    expect(injected).toBe(2);
    expect(summary.counts.succeeded).toBe(2);
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(await listEpochs(stack.database.db, row.id)).toHaveLength(1);
  });

  it('stops gracefully: running trials end cancelled, nothing stays running', async () => {
    const request = tinySearchRequest({
      searchId: 'stopped-search',
      seed: 13,
      trials: 4,
      protocol: { ...tinySearchRequest().protocol, epochs: 50, trainSize: 320 },
    });
    const summary = await stack.withWorkers(async () => {
      const handle = await stack.env.client.workflow.start(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      });
      for (let i = 0; i < 200; i++) {
        const progress = await handle.query(progressQuery);
        if (progress.running.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await new Promise((r) => setTimeout(r, 1500));
      await handle.signal(stopSignal);
      return handle.result();
    });
    expect(summary.status).toBe('stopped');
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.status === 'cancelled')).toBe(true);
    expect(rows.filter((r) => r.status === 'running' || r.status === 'queued')).toEqual([]);
    expect((await getSearch(stack.database.db, request.searchId))?.status).toBe('stopped');
  });

  it('bundles the workflow code without tfjs or Node built-ins', async () => {
    const { code } = await workflowBundle();
    expect(code).toContain('searchWorkflow');
    expect(code).not.toMatch(/@tensorflow\/tfjs/);
    expect(code).not.toMatch(/require\(["'](fs|net|crypto|child_process)["']\)/);
  });
});

describe('searchWorkflow across continue-as-new', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('carries the strategy state into new runs and records every trial once', async () => {
    const request = tinySearchRequest({
      searchId: 'continued-search',
      strategy: { name: 'evolution', dedup: true, window: 1, evolution: { population: 2, sample: 2 } },
      trials: 5,
      parallel: 1,
      trialsPerRun: 2,
    });
    const summary = await stack.withWorkers(() =>
      stack.env.client.workflow.execute(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      }),
    );
    expect(summary.status).toBe('finished');
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.map((r) => r.trialIndex).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(rows.map((r) => r.archHash)).size).toBe(5);
    // Each trial records the strategy's summary as it was proposed, counted across the three runs.
    const summaries = [...rows].sort((a, b) => a.trialIndex - b.trialIndex).map((r) => r.strategySummary!);
    expect(summaries.map((s) => [s.proposed, s.observed, s.population])).toEqual([
      [1, 0, 0],
      [2, 0, 0],
      [3, 1, 1],
      [4, 2, 2],
      [5, 3, 2],
    ]);
    expect(summaries[1].populationMean).toBe('none');
    expect(typeof summaries[4].populationMean).toBe('number');

    const runs: string[] = [];
    for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = '${request.searchId}'` })) {
      runs.push(execution.runId);
    }
    expect(runs.length).toBe(3);
  });
});
