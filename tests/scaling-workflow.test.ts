import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getScalingStudy, listScalingPoints } from '../db/queries/scaling.ts';
import { scalingReport } from '../db/queries/scaling-report.ts';
import { getSearch } from '../db/queries/searches.ts';
import { listEpochs, listTrials } from '../db/queries/trials.ts';
import { gridCoefficients, linePlan, type ScalingStudyRequest } from '../search/scaling-plan.ts';
import { reportRows, reportSummary, verdict } from '../dashboard/scaling-report.ts';
import { reportSvg } from '../cli/scaling-report.ts';
import { budgetLines } from '../dashboard/scaling-budget.ts';
import { scalingPage } from '../dashboard/pages/scaling.ts';
import type { TrainingActivities } from '../contracts/activities.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { scalingProgressQuery, scalingStudyWorkflow } from '../workflows/scaling.ts';
import { stopSignal } from '../workflows/signals.ts';
import {
  createSearchStack,
  tinySearchRequest,
  workflowBundle,
  type SearchStack,
  tinyScalingRequest,
} from '../harness/search-stack.ts';

describe('scalingStudyWorkflow on a real Temporal dev server', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Runs the study and counts the trainings that actually reached a trainer. */
  const run = async (request: ScalingStudyRequest) => {
    let trainings = 0;
    const counting = (real: TrainingActivities): TrainingActivities => ({
      async trainTrial(input) {
        trainings++;
        return real.trainTrial(input);
      },
    });
    const summary = await stack.withWorkers(
      () =>
        stack.env.client.workflow.execute(scalingStudyWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: request.studyId,
          args: [request],
        }),
      counting,
    );
    return { summary, trainings };
  };

  it('trains the grid, picks the best by validation accuracy, trains the four lines and records every point', async () => {
    const request = tinyScalingRequest('tiny-study');
    expect(gridCoefficients(request.gridStep, request.tolerance)).toEqual([
      { alpha: 1, beta: 1, gamma: 1.4 },
      { alpha: 1, beta: 1.4, gamma: 1 },
    ]);
    const { summary, trainings } = await run(request);
    expect(summary.status).toBe('finished');
    expect(trainings).toBe(6); // 2 grid points, the base, depth/width/resolution at phi = 1

    const db = stack.database.db;
    const trials = await listTrials(db, request.studyId);
    expect(trials.map((t) => t.trialIndex).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trials.every((t) => t.status === 'succeeded')).toBe(true);

    const grid = trials.filter((t) => t.trialIndex < 2).sort((a, b) => a.trialIndex - b.trialIndex);
    const bestIndex = grid[1].valAccuracy! > grid[0].valAccuracy! ? 1 : 0;
    expect(summary.chosen?.gridIndex).toBe(bestIndex);

    const points = await listScalingPoints(db, request.studyId);
    const key = (p: { method: string; phi: number }) => `${p.method}@${p.phi}`;
    expect(points.map(key).sort()).toEqual(
      [
        'grid@1',
        'grid@1',
        'compound@0',
        'compound@1',
        'depth@0',
        'depth@1',
        'width@0',
        'width@1',
        'resolution@0',
        'resolution@1',
      ].sort(),
    );
    const compound1 = points.find((p) => p.method === 'compound' && p.phi === 1)!;
    expect(compound1.trialId).toBe(`${request.studyId}/${bestIndex}`);
    expect(new Set(points.filter((p) => p.phi === 0).map((p) => p.trialId))).toEqual(new Set([`${request.studyId}/2`]));
    // Each recorded point trained exactly the network (and cost) the plan matched to the compound FLOPs.
    for (const planned of linePlan(request, 2, summary.chosen!)) {
      const point = points.find((p) => p.method === planned.method && p.phi === planned.phi)!;
      expect(point.trialId, key(planned)).toBe(`${request.studyId}/${planned.index}`);
      expect(Number(point.flops), key(planned)).toBe(planned.cost.flops);
    }

    const study = await getScalingStudy(db, request.studyId);
    expect(study?.status).toBe('finished');
    expect(study?.chosen).toMatchObject({ gridIndex: bestIndex });
    expect((await getSearch(db, request.studyId))?.kind).toBe('scaling');

    const report = (await scalingReport(db, request.studyId))!;
    expect(reportRows(report)).toHaveLength(10);
    expect(verdict(report).some((line) => line.startsWith('Verdict:'))).toBe(true);
    expect(reportSvg(report)).toContain('resolution only');

    const history = await stack.env.client.workflow.getHandle(request.studyId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, request.studyId);
  });

  it('a rerun under the same id trains nothing and adds no rows', async () => {
    const request = tinyScalingRequest('tiny-study');
    const before = await listScalingPoints(stack.database.db, request.studyId);
    const { summary, trainings } = await run(request);
    expect(summary.status).toBe('finished');
    expect(trainings).toBe(0);
    expect(await listTrials(stack.database.db, request.studyId)).toHaveLength(6);
    expect(await listScalingPoints(stack.database.db, request.studyId)).toEqual(before);
    expect((await getScalingStudy(stack.database.db, request.studyId))?.status).toBe('finished');
  });

  it('another study of the same base under the same protocol reuses every trained network', async () => {
    const { summary, trainings } = await run(tinyScalingRequest('tiny-study-again'));
    expect(summary.status).toBe('finished');
    expect(trainings).toBe(0);
    const trials = await listTrials(stack.database.db, 'tiny-study-again');
    expect(trials).toHaveLength(6);
    expect(trials.every((t) => t.status === 'reused' && t.reusedFrom?.startsWith('tiny-study/'))).toBe(true);
  });
  it('a finished study run again with --repeats 3 trains only the new seeds of the line points', async () => {
    const request: ScalingStudyRequest = { ...tinyScalingRequest('tiny-study'), repeats: 3 };
    const { summary, trainings } = await run(request);
    expect(summary.status).toBe('finished');
    // The base, depth/width/resolution at phi = 1 and the chosen grid point (compound at phi = 1): seeds + 1, + 2.
    expect(trainings).toBe(10);
    const db = stack.database.db;
    const trials = await listTrials(db, request.studyId);
    expect(trials).toHaveLength(16);
    const seed = request.protocol.seed;
    const added = trials.filter((t) => t.trialIndex >= 6);
    expect(new Set(added.map((t) => t.seed))).toEqual(new Set([seed + 1, seed + 2]));
    expect(trials.filter((t) => t.trialIndex < 6).every((t) => t.seed === seed)).toBe(true);
    const points = await listScalingPoints(db, request.studyId);
    expect(points).toHaveLength(10 + 8 * 2); // the 8 line points (4 at phi = 0 share the base) gain repeats 1 and 2
    const compound1 = points.filter((p) => p.method === 'compound' && p.phi === 1);
    expect(compound1.map((p) => p.repeat)).toEqual([0, 1, 2]);
    expect((await getScalingStudy(db, request.studyId))?.config).toMatchObject({ repeats: 3 });
    const comparisons = reportSummary((await scalingReport(db, request.studyId))!).comparisons;
    expect(comparisons.map((c) => `${c.axis}@${c.phi} ${c.compoundTrainings}/${c.axisTrainings}`)).toEqual([
      'depth@1 3/3',
      'width@1 3/3',
      'resolution@1 3/3',
    ]);
    expect(comparisons.every((c) => c.p !== null)).toBe(true);
    const page = (await scalingPage(db, request.studyId))!;
    expect(page.match(/<tr><td>(compound|depth|width|resolution)<\/td>/g)).toHaveLength(8); // 4 methods x phi 0, 1
    for (const c of comparisons) expect(page).toContain(c.verdict);

    const again = await run({ ...tinyScalingRequest('tiny-study-again'), repeats: 3 });
    expect(again.trainings).toBe(0);
    const reused = await listTrials(db, 'tiny-study-again');
    expect(reused.filter((t) => t.trialIndex >= 6).every((t) => t.status === 'reused')).toBe(true);
  });

  it('--grid-repeats 2 trains every grid point twice and chooses by the mean', async () => {
    const request: ScalingStudyRequest = {
      ...tinyScalingRequest('tiny-grid-repeats'),
      gridRepeats: 2,
      protocol: { ...tinySearchRequest().protocol, seed: 41 },
    };
    const { summary, trainings } = await run(request);
    expect(summary.status).toBe('finished');
    expect(trainings).toBe(8); // 2 grid points x 2 seeds, then the base and 3 single-axis networks once
    const trials = await listTrials(stack.database.db, request.studyId);
    // Repeat 1 of grid point i is trial i + planned * 4 (planned = 6 trial indices).
    const grid = (index: number) =>
      trials.filter((t) => t.trialIndex === index || t.trialIndex === index + 24).map((t) => t.valAccuracy!);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(grid(0)).toHaveLength(2);
    expect(summary.chosen?.gridIndex).toBe(mean(grid(1)) > mean(grid(0)) ? 1 : 0);
    const report = (await scalingReport(stack.database.db, request.studyId))!;
    expect(reportSummary(report).grid?.resamples).toBe(2000);
  });

  it('a stopped study keeps no point of a cancelled trial; run again, it retrains that point under a new index and finishes', async () => {
    const request: ScalingStudyRequest = {
      ...tinyScalingRequest('tiny-stopped'),
      parallel: 1,
      protocol: { ...tinySearchRequest().protocol, seed: 77, epochs: 3, trainSize: 320 },
    };
    const stopped = await stack.withWorkers(async () => {
      const handle = await stack.env.client.workflow.start(scalingStudyWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.studyId,
        args: [request],
      });
      for (let i = 0; i < 200; i++) {
        if ((await handle.query(scalingProgressQuery)).running.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.signal(stopSignal);
      return handle.result();
    });
    expect(stopped.status).toBe('stopped');
    const db = stack.database.db;
    const afterStop = await listTrials(db, request.studyId);
    const cancelled = afterStop.filter((t) => t.status === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(afterStop.filter((t) => t.status === 'queued' || t.status === 'running')).toEqual([]);
    const cancelledIds = new Set(cancelled.map((t) => t.id));
    expect((await listScalingPoints(db, request.studyId)).filter((p) => cancelledIds.has(p.trialId))).toEqual([]);
    expect((await getScalingStudy(db, request.studyId))?.status).toBe('stopped');

    const { summary } = await run(request);
    expect(summary.status).toBe('finished');
    const planned = 6;
    const trials = await listTrials(db, request.studyId);
    for (const t of cancelled) {
      const retry = trials.find((r) => r.trialIndex === t.trialIndex + planned);
      expect(retry?.status, `retry of ${t.id}`).toBe('succeeded');
    }
    const points = await listScalingPoints(db, request.studyId);
    expect(points).toHaveLength(10);
    expect(points.every((p) => p.status === 'succeeded')).toBe(true);
    expect((await getScalingStudy(db, request.studyId))?.status).toBe('finished');
  });

  it('a plateau budget: every network stops on the rule, under a protocol of its own, and the report shows its last-epoch gain', async () => {
    const { protocol } = tinyScalingRequest('x');
    // A rise of at most 99 points over 1 epoch always holds: each training stops after its second epoch.
    const plateau = { ...protocol, epochs: 5, plateau: { patience: 1, minDelta: 0.99 } };
    const request = tinyScalingRequest('plateau-study', { protocol: plateau });
    const { summary, trainings } = await run(request);
    expect(summary.status).toBe('finished');
    expect(trainings).toBe(6); // the fixed-budget studies above trained these networks: no result is reused across budgets
    const db = stack.database.db;
    const points = await listScalingPoints(db, request.studyId);
    expect(points.map((p) => p.epochs)).toEqual(points.map(() => 2));
    for (const p of points) {
      const curve = (await listEpochs(db, p.trialId)).map((e) => e.valAccuracy);
      expect(p.finalEpochGain).toBeCloseTo(curve[1] - curve[0], 12);
    }
    const report = (await scalingReport(db, request.studyId))!;
    expect(budgetLines(report)[0]).toMatch(/^Training: plateau budget: .* at most 5 epochs\.$/);
  });
});
