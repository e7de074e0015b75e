import { beforeAll, expect, it } from 'vitest';
import { renderLeaderboard } from '../cli/commands/leaderboard.ts';
import { upsertProtocol } from '../db/queries/architectures.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { searchProgress } from '../db/queries/progress.ts';
import {
  finishScalingStudy,
  getScalingStudy,
  listScalingPoints,
  recordScalingPoint,
  upsertScalingStudy,
} from '../db/queries/scaling.ts';
import { enqueueTrial, finishTrial } from '../db/queries/trials.ts';
import { wilsonInterval } from '../numeric/statistics.ts';
import { addTrial, createSearch, PROTOCOL_A, runTrial, seedCatalogue } from './support/db-fixtures.ts';
import { describeEachDriver } from './support/db-helpers.ts';

describeEachDriver('leaderboard, progress and scaling', (db) => {
  beforeAll(async () => {
    const d = db();
    await seedCatalogue(d, 10);
    await createSearch(d, 'other');
    await runTrial(d, await addTrial(d, 'other', { index: 0, arch: 4 }), {
      status: 'succeeded',
      valAccuracy: 0.9,
      trainSeconds: 50,
    });
    await runTrial(d, await addTrial(d, 'other', { index: 1, arch: 5 }), { status: 'diverged', valAccuracy: 0.99 });

    await createSearch(d, 'lb');
    const run = async (index: number, arch: number, valAccuracy: number, trainSeconds: number) =>
      runTrial(d, await addTrial(d, 'lb', { index, arch }), {
        status: 'succeeded',
        valAccuracy,
        testAccuracy: valAccuracy - 0.01,
        trainSeconds,
      });
    await run(0, 0, 0.8, 10);
    await run(1, 1, 0.85, 20);
    await run(2, 2, 0.83, 30);
    await runTrial(d, await addTrial(d, 'lb', { index: 3, arch: 3 }), {
      status: 'failed',
      error: 'OOM',
      trainSeconds: 5,
    });
    await finishTrial(d, await addTrial(d, 'lb', { index: 4, arch: 1 }), { status: 'reused', reusedFrom: 'lb/1' });
    await finishTrial(d, await addTrial(d, 'lb', { index: 5, arch: 4 }), { status: 'reused', reusedFrom: 'other/0' });
    await finishTrial(d, await addTrial(d, 'lb', { index: 6, arch: 5 }), { status: 'reused', reusedFrom: 'other/1' });
    await addTrial(d, 'lb', { index: 7, arch: 9 });

    await createSearch(d, 'base', 'baselines');
    const baseline = async (
      index: number,
      arch: number,
      name: string,
      protocol: 'proto-a' | 'proto-b',
      valAccuracy?: number,
    ) =>
      runTrial(
        d,
        await addTrial(d, 'base', { index, arch, baselineName: name, protocol }),
        valAccuracy === undefined ? { status: 'failed', error: 'crashed' } : { status: 'succeeded', valAccuracy },
      );
    await baseline(0, 6, 'lenet5', 'proto-a', 0.82);
    await baseline(1, 7, 'resnet20', 'proto-b', 0.95);
    await baseline(2, 8, 'vgg-small', 'proto-a');
  });

  const ids = (rows: { rank: number; trialId: string }[]) => rows.map((r) => `${r.rank}:${r.trialId}`);

  it('ranks succeeded trials by validation accuracy, one row per architecture, reused ones with their source metrics', async () => {
    const rows = await leaderboard(db(), { searchId: 'lb' });
    expect(ids(rows)).toEqual(['1:lb/5', '2:lb/1', '3:lb/2', '4:lb/0']);
    expect(rows[0]).toEqual({
      rank: 1,
      trialId: 'lb/5',
      kind: 'discovered',
      name: 'architecture 4',
      archHash: 'arch-4',
      valAccuracy: 0.9,
      // 90 of proto-a's 100 validation images: Wilson [0.8256, 0.9448] (checked in tests/statistics.test.ts).
      valAccuracyLow: wilsonInterval(0.9, 100).low,
      valAccuracyHigh: wilsonInterval(0.9, 100).high,
      valSize: 100,
      testAccuracy: null,
      testAccuracyLow: null,
      testAccuracyHigh: null,
      testSize: 0,
      params: 5000,
      flops: 250_000,
      trainSeconds: 50,
      status: 'reused',
    });
    expect(rows[1]).toMatchObject({ valAccuracy: 0.85, testAccuracy: 0.84, status: 'succeeded', params: 2000 });
    expect(rows[0].valAccuracyLow).toBeCloseTo(0.8256, 4);
    expect(rows[0].valAccuracyHigh).toBeCloseTo(0.9448, 4);
    // proto-a evaluates no test images (testSize 0): a test accuracy recorded anyway gets no interval.
    expect(rows[1]).toMatchObject({
      valAccuracyLow: wilsonInterval(0.85, 100).low,
      testSize: 0,
      testAccuracyLow: null,
      testAccuracyHigh: null,
    });
  });

  it("gives each accuracy its 95% binomial interval on the protocol's validation and test sizes, in every format", async () => {
    const d = db();
    await upsertProtocol(d, 'proto-test', { ...PROTOCOL_A, valSize: 500, testSize: 2000 });
    await createSearch(d, 'ci');
    const add = async (index: number, arch: number, valAccuracy: number, testAccuracy: number) => {
      const id = `ci/${index}`;
      await enqueueTrial(d, {
        id,
        searchId: 'ci',
        trialIndex: index,
        archHash: `arch-${arch}`,
        protocolHash: 'proto-test',
        params: 1000 * (arch + 1),
        flops: 7,
      });
      await runTrial(d, id, { status: 'succeeded', valAccuracy, testAccuracy, trainSeconds: 12 });
    };
    await add(0, 0, 0.756, 0.9); // 378 of 500, 1800 of 2000
    await add(1, 1, 0.7, 1);
    const rows = await leaderboard(d, { searchId: 'ci' });
    expect(rows.map((r) => [r.trialId, r.valSize, r.testSize])).toEqual([
      ['ci/0', 500, 2000],
      ['ci/1', 500, 2000],
    ]);
    // Wilson by numpy (z = st.norm.ppf(0.975)): 378/500 → [0.716495, 0.791601]; 1800/2000 → [0.886076, 0.912391];
    // 2000/2000 → [0.998083, 1]. Six decimals: the accuracies went through a float4 column.
    expect(rows[0].valAccuracyLow).toBeCloseTo(0.7164951931439073, 6);
    expect(rows[0].valAccuracyHigh).toBeCloseTo(0.791601144539778, 6);
    expect(rows[0].testAccuracyLow).toBeCloseTo(0.8860755875933475, 6);
    expect(rows[0].testAccuracyHigh).toBeCloseTo(0.9123907745816502, 6);
    expect(rows[1]).toMatchObject({ testAccuracy: 1, testAccuracyHigh: 1 });
    expect(rows[1].testAccuracyLow).toBeCloseTo(0.9980829527187469, 6);

    const table = await renderLeaderboard(d, { searchId: 'ci' });
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^rank\s+kind\s+val acc\s+test acc\s+params/);
    expect(lines[1]).toContain('75.60% [71.6, 79.2]');
    expect(lines[1]).toContain('90.00% [88.6, 91.2]');
    expect(lines[2]).toContain('100.00% [99.8, 100.0]');
    expect(lines.at(-1)).toBe(
      '[low, high]: 95% binomial (Wilson) interval of an accuracy measured on N images (validation N = 500, test N = 2000): ' +
        'the noise of the finite evaluation set of one run, not the spread across seeds.',
    );
    const markdown = await renderLeaderboard(d, { searchId: 'ci', format: 'markdown' });
    expect(markdown).toContain('| 1 | discovered | 75.60% [71.6, 79.2] | 90.00% [88.6, 91.2] |');
    expect(markdown.split('\n').at(-1)).toMatch(/^\[low, high\]: 95% binomial \(Wilson\) interval/);

    const [header, first] = (await renderLeaderboard(d, { searchId: 'ci', format: 'csv' })).split('\n');
    const fields = header.split(',');
    expect(fields.slice(0, 4)).toEqual(['rank', 'trialId', 'kind', 'name']);
    expect(fields).toEqual(expect.arrayContaining(['valAccuracy', 'testAccuracy', 'params', 'flops']));
    const cells = first.split(',');
    expect(Number(cells[fields.indexOf('valAccuracyLow')])).toBeCloseTo(0.7164951931439073, 12);
    expect(Number(cells[fields.indexOf('testAccuracyHigh')])).toBeCloseTo(wilsonInterval(0.9, 2000).high, 12);
    expect(cells[fields.indexOf('testAccuracy')]).toBe('0.9');
    expect(first).not.toMatch(/%/);
    expect(await renderLeaderboard(d, { searchId: 'ci', format: 'csv' })).not.toContain('binomial');

    const json = JSON.parse(await renderLeaderboard(d, { searchId: 'ci', format: 'json' }));
    expect(json[0]).toMatchObject({
      valAccuracy: 0.756,
      valAccuracyLow: rows[0].valAccuracyLow,
      valAccuracyHigh: rows[0].valAccuracyHigh,
    });
    expect(json[0]).toMatchObject({
      testAccuracyLow: rows[0].testAccuracyLow,
      testAccuracyHigh: rows[0].testAccuracyHigh,
      valSize: 500,
      testSize: 2000,
    });
  });

  it('sorts by cost and keeps the top n', async () => {
    expect(ids(await leaderboard(db(), { searchId: 'lb', sort: 'params' }))).toEqual([
      '1:lb/0',
      '2:lb/1',
      '3:lb/2',
      '4:lb/5',
    ]);
    expect(ids(await leaderboard(db(), { searchId: 'lb', sort: 'flops', top: 2 }))).toEqual(['1:lb/0', '2:lb/1']);
    expect(ids(await leaderboard(db(), { searchId: 'lb', top: 1 }))).toEqual(['1:lb/5']);
  });

  it('keeps only the Pareto front of accuracy against cost', async () => {
    expect(ids(await leaderboard(db(), { searchId: 'lb', pareto: 'params' }))).toEqual(['1:lb/5', '2:lb/1', '3:lb/0']);
    expect(ids(await leaderboard(db(), { searchId: 'lb', pareto: 'flops', sort: 'flops', top: 2 }))).toEqual([
      '1:lb/0',
      '2:lb/1',
    ]);
  });

  it('adds succeeded baselines trained under the same protocol only', async () => {
    const rows = await leaderboard(db(), { searchId: 'lb', includeBaselines: true });
    expect(ids(rows)).toEqual(['1:lb/5', '2:lb/1', '3:lb/2', '4:base/0', '5:lb/0']);
    expect(rows[3]).toMatchObject({ kind: 'baseline', name: 'lenet5', valAccuracy: 0.82, params: 7000 });
    const front = await leaderboard(db(), { searchId: 'lb', includeBaselines: true, pareto: 'params' });
    expect(ids(front)).toEqual(['1:lb/5', '2:lb/1', '3:lb/0']);
    const own = await leaderboard(db(), { searchId: 'base' });
    expect(own.map((r) => [r.trialId, r.kind, r.name])).toEqual([
      ['base/1', 'baseline', 'resnet20'],
      ['base/0', 'baseline', 'lenet5'],
    ]);
  });

  it('rejects bad options naming the field and the allowed values', async () => {
    await expect(leaderboard(db(), { searchId: 'lb', sort: 'speed' as never })).rejects.toThrow(
      "leaderboard sort: 'speed' is not one of val_acc, params, flops",
    );
    await expect(leaderboard(db(), { searchId: 'lb', pareto: 'latency' as never })).rejects.toThrow(
      "leaderboard pareto: 'latency' is not one of params, flops",
    );
    await expect(leaderboard(db(), { searchId: 'lb', top: 0 })).rejects.toThrow(
      'leaderboard top: 0 must be a positive integer',
    );
    expect(await leaderboard(db(), { searchId: 'missing' })).toEqual([]);
  });

  it('reports progress: counts per state, best result, training time actually spent', async () => {
    const progress = await searchProgress(db(), 'lb');
    expect(progress.counts).toEqual({
      queued: 1,
      running: 0,
      succeeded: 3,
      failed: 1,
      diverged: 0,
      over_budget: 0,
      reused: 3,
      cancelled: 0,
    });
    expect(progress.total).toBe(8);
    expect(progress.best).toEqual({ trialId: 'lb/5', valAccuracy: 0.9 });
    expect(progress.trainSeconds).toBeCloseTo(65, 5);
    const empty = await searchProgress(db(), 'missing');
    expect(empty).toMatchObject({ total: 0, best: null, trainSeconds: 0 });
  });

  it('records a scaling study and its points once, listed with their trial results', async () => {
    const d = db();
    await createSearch(d, 'scale');
    const study = await upsertScalingStudy(d, { id: 'study-1', base: 'arch-0', config: { phis: [1, 2] } });
    expect(study).toMatchObject({ status: 'running', chosen: null, config: { phis: [1, 2] } });
    expect((await upsertScalingStudy(d, { id: 'study-1', base: 'changed', config: {} })).base).toBe('arch-0');

    const t0 = await addTrial(d, 'scale', { index: 0, arch: 0 });
    const t1 = await addTrial(d, 'scale', { index: 1, arch: 1 });
    const t2 = await addTrial(d, 'scale', { index: 2, arch: 2 });
    await runTrial(d, t0, { status: 'succeeded', valAccuracy: 0.7, trainSeconds: 4 });
    const grid = { studyId: 'study-1', method: 'grid' as const, phi: 1, beta: 1.1, gamma: 1.15 };
    await recordScalingPoint(d, { ...grid, alpha: 1.2, trialId: t0 });
    await recordScalingPoint(d, { ...grid, alpha: 1.2, trialId: t0 });
    await recordScalingPoint(d, { ...grid, alpha: 1.3, trialId: t1 });
    await recordScalingPoint(d, {
      studyId: 'study-1',
      method: 'compound',
      phi: 2,
      alpha: 1.2,
      beta: 1.1,
      gamma: 1.15,
      trialId: t2,
    });
    await expect(recordScalingPoint(d, { ...grid, method: 'zoom' as never, alpha: 1, trialId: t0 })).rejects.toThrow(
      "scaling point method: 'zoom' is not one of compound, depth, width, resolution, grid",
    );

    const points = await listScalingPoints(d, 'study-1');
    expect(points.map((p) => [p.method, p.phi, p.alpha, p.trialId, p.status, p.valAccuracy, p.params])).toEqual([
      ['compound', 2, 1.2, t2, 'queued', null, 3000],
      ['grid', 1, 1.2, t0, 'succeeded', 0.7, 1000],
      ['grid', 1, 1.3, t1, 'queued', null, 2000],
    ]);

    expect(await finishScalingStudy(d, 'study-1', 'finished', { alpha: 1.2, beta: 1.1, gamma: 1.15 })).toBe(true);
    expect(await finishScalingStudy(d, 'study-1', 'failed')).toBe(false);
    const ended = await getScalingStudy(d, 'study-1');
    expect(ended).toMatchObject({ status: 'finished', chosen: { alpha: 1.2, beta: 1.1, gamma: 1.15 } });
    expect(ended?.finishedAt).toBeInstanceOf(Date);
  });
});
