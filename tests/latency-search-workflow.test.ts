/**
 * Latency and kept weights through the real search workflow (Temporal dev server, Postgres, the
 * real trainer): each trial records the latency its trainer measured, a `--mnas-cost latency`
 * reward is computed from it, `--max-latency` ends trials over_budget before any epoch, and
 * `--keep-weights all` keeps each succeeded search trial's weights once (also when the training
 * activity is retried after it wrote them), which `nas export` then writes out and the dashboard marks.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialPage } from '../dashboard/pages/trial.ts';
import { renderLeaderboard } from '../cli/commands/leaderboard.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { listEpochs, listTrials } from '../db/queries/trials.ts';
import { trialWeights } from '../db/schema.ts';
import { createSearchStack, tinySearchRequest, workflowBundle, type SearchStack } from '../harness/search-stack.ts';
import { DEFAULT_MNAS_W } from '../contracts/reward-config.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { runCli } from './support/run-cli.ts';

describe('latency and kept weights in a search', () => {
  let stack: SearchStack;
  const root = mkdtempSync(join(tmpdir(), 'nas-latency-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    NAS_HOME: process.env.NAS_HOME,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    NAS_DATA_DIR: process.env.NAS_DATA_DIR,
  };
  beforeAll(async () => {
    stack = await createSearchStack('postgres');
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await stack?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const run = (request: ReturnType<typeof tinySearchRequest>) =>
    stack.env.client.workflow.execute(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });

  it('records each trial latency, rewards by it under --mnas-cost latency, and keeps every succeeded trial weights once', async () => {
    const target = 2;
    const request = tinySearchRequest({
      searchId: 'latency-reward',
      trials: 3,
      reward: { objective: 'mnas', cost: 'latency', target },
      keepWeights: 'all',
    });
    let retried = 0;
    const summary = await stack.withWorkers(
      () => run(request),
      (real) => ({
        async trainTrial(input) {
          const result = await real.trainTrial(input);
          // The first training fails after it wrote its ending and weights: the retry must not write them again.
          if (input.trialIndex === 0 && Context.current().info.attempt === 1) {
            retried++;
            throw new Error('injected failure after the result was written');
          }
          return result;
        },
      }),
    );
    expect(retried).toBe(1);
    expect(summary).toMatchObject({ status: 'finished', counts: { succeeded: 3 } });

    const db = stack.database.db;
    const rows = await listTrials(db, request.searchId);
    for (const row of rows) {
      expect(row.latencyMs).toBeGreaterThan(0);
      expect(row.latencyBatchSize).toBe(request.protocol.batchSize);
      // A network this small is dominated by per-layer overhead: a batch of 32 takes about as long as one image.
      expect(row.latencyBatchMs).toBeGreaterThan(0);
      expect(row.latencyDevice).toContain(row.device!);
      expect(row.reward).toBeCloseTo(row.valAccuracy! * (row.latencyMs! / target) ** DEFAULT_MNAS_W, 6);
    }
    const kept = await db
      .select({ trialId: trialWeights.trialId })
      .from(trialWeights)
      .where(
        inArray(
          trialWeights.trialId,
          rows.map((r) => r.id),
        ),
      );
    expect(kept.map((k) => k.trialId).sort()).toEqual(rows.map((r) => r.id).sort());

    const board = await leaderboard(db, { searchId: request.searchId });
    expect(board.every((r) => r.latencyMs !== undefined && r.latencyMs > 0)).toBe(true);
    const byTrial = new Map(rows.map((r) => [r.id, r]));
    for (const row of board) expect(row.reward).toBeCloseTo(byTrial.get(row.trialId)!.reward!, 6);
    const table = await renderLeaderboard(db, { searchId: request.searchId, format: 'markdown' });
    expect(table.split('\n')[0]).toMatch(/\| reward \|.*\| latency ms \| train s \|/);
    expect(table).toContain(
      'latency ms: median of timed forward passes at batch 1 on the trainer before training (cpu',
    );

    const page = (await trialPage(db, rows[0].id))!;
    expect(page).toContain(`npx nas export ${rows[0].id} --out model/`);
    expect(page).toMatch(
      /id="trial-latency">[\d.]+ ms at batch 1, [\d.]+ ms at batch 32 \(median, before training\) on cpu/,
    );

    // nas export writes a search trial whose weights were kept.
    process.env.DATABASE_URL = (stack.database as typeof stack.database & { url: string }).url;
    process.env.NAS_HOME = join(root, 'home');
    process.env.NAS_DATA_DIR = stack.dataDir;
    delete process.env.TEMPORAL_ADDRESS;
    const out = join(root, 'search-trial');
    const exported = await runCli(['export', rows[1].id, '--out', out, '--format', 'onnx']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`exported trial ${rows[1].id}`);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);

    const history = await stack.env.client.workflow.getHandle(request.searchId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, request.searchId);
  });

  it('without --keep-weights keeps no search trial weights', async () => {
    const request = tinySearchRequest({ searchId: 'latency-no-keep', trials: 2, seed: 23 });
    await stack.withWorkers(() => run(request));
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.filter((r) => r.status === 'succeeded')).not.toHaveLength(0);
    const kept = await stack.database.db
      .select()
      .from(trialWeights)
      .where(
        inArray(
          trialWeights.trialId,
          rows.map((r) => r.id),
        ),
      );
    expect(kept).toEqual([]);
    const page = (await trialPage(stack.database.db, rows.find((r) => r.status === 'succeeded')!.id))!;
    expect(page).not.toContain('npx nas export');
  });

  it('--max-latency ends trials over_budget before training: no epochs, the measured latency and the reason recorded', async () => {
    const request = tinySearchRequest({
      searchId: 'latency-budget',
      trials: 2,
      seed: 31,
      budget: { maxLatencyMs: 0.001 },
    });
    const summary = await stack.withWorkers(() => run(request));
    expect(summary).toMatchObject({ status: 'finished', counts: { over_budget: 2 } });
    const rows = await listTrials(stack.database.db, request.searchId);
    for (const row of rows) {
      expect(row.status).toBe('over_budget');
      expect(row.error).toMatch(
        /^latency [\d.]+ ms at batch 1 exceeds the budget of 0\.001 ms \(--max-latency\), measured on cpu/,
      );
      expect(row.latencyMs).toBeGreaterThan(0.001);
      expect(row.valAccuracy).toBeNull();
      expect(row.reward).toBeNull();
      expect(await listEpochs(stack.database.db, row.id)).toEqual([]);
    }
  });
});
