/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) over
 * real runs on a real Temporal dev server: every page loads without a console error, charts and
 * cell diagrams draw one mark per row of data, and an open page follows a trial that finishes.
 * Screenshots of each page go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unconsumedBlocks } from '../cells/nasnet/index.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import { startDashboard, type Dashboard } from '../dashboard/index.ts';
import { getArchitecture } from '../db/queries/architectures.ts';
import { finalLeaderboard } from '../db/queries/final-leaderboard.ts';
import { listEpochs, listTrials, enqueueTrial, finishTrial, markTrialRunning } from '../db/queries/trials.ts';
import { listScalingPoints } from '../db/queries/scaling.ts';
import { createSearchStack, type SearchStack } from '../harness/search-stack.ts';
import { recordDashboardRuns, type DashboardRuns } from './support/dashboard-runs.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
/** Fewer rows a page than the search has trials: the table's pages are exercised too. */
const PER_PAGE = 2;

describe('the dashboard in headless Chromium', () => {
  let stack: SearchStack;
  let runs: DashboardRuns;
  let dashboard: Dashboard;
  let browser: Browser;
  const pages: Array<{ page: Page; errors: string[] }> = [];

  beforeAll(async () => {
    stack = await createSearchStack('pglite');
    runs = await recordDashboardRuns(stack);
    dashboard = await startDashboard({
      db: stack.database.db,
      port: 0,
      temporalUiUrl: 'http://127.0.0.1:8233',
      pollMs: 250,
      trialsPerPage: PER_PAGE,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await stack?.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(dashboard.url + path, { waitUntil: 'load' });
    expect(response?.status(), path).toBe(200);
    pages.push({ page, errors });
    return { page, errors };
  }
  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: `${ARTIFACTS}/dashboard-${name}.png`, fullPage: true });
  const marks = (page: Page, figure: string, series: number) =>
    page.locator(`#${figure} [ecmeta_ssr_type="chart"][ecmeta_series_index="${series}"]`).count();
  const trialPath = (id: string) => `/trials/${encodeURIComponent(id)}`;

  it('lists every run with its kind, status and progress', async () => {
    const { page, errors } = await open('/');
    await shoot(page, 'runs');
    const ids = [runs.search.searchId, runs.baselinesId, runs.finalId, runs.studyId];
    expect(
      (await page.locator('#runs-table tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.dataset.run))).sort(),
    ).toEqual([...ids].sort());
    const search = page.locator(`tr[data-run="${runs.search.searchId}"]`);
    await expect(search.locator('td').nth(2).textContent()).resolves.toBe('finished');
    await expect(search.locator('.done').textContent()).resolves.toBe('3');
    expect(errors).toEqual([]);
  });

  it('draws a search: best so far, the Pareto scatter with the baseline, learning curves, the trial table, the final evaluation', async () => {
    const db = stack.database.db;
    const trials = await listTrials(db, runs.search.searchId);
    const succeeded = trials.filter((t) => t.status === 'succeeded');
    const results = trials.filter((t) => (t.status === 'succeeded' || t.status === 'reused') && t.valAccuracy !== null);
    const { page, errors } = await open(`/runs/${runs.search.searchId}`);
    await shoot(page, 'search');

    expect(await marks(page, 'best-by-index', 0)).toBe(results.length);
    expect(await marks(page, 'best-by-time', 0)).toBe(results.length);
    expect(await marks(page, 'pareto', 0)).toBe(succeeded.length);
    expect(await marks(page, 'pareto', 2)).toBe(1); // lenet5 of the baselines run, same protocol
    await expect(page.locator('#pareto svg text', { hasText: 'lenet5' }).count()).resolves.toBeGreaterThan(0);
    for (const [series, trial] of succeeded.sort((a, b) => b.valAccuracy! - a.valAccuracy!).entries()) {
      expect(await marks(page, 'learning-curves', series)).toBe((await listEpochs(db, trial.id)).length);
    }
    expect(trials.length).toBeGreaterThan(PER_PAGE);
    const rowsShown = (p: Page) =>
      p.locator('#trial-table tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.dataset.trial));
    const byIndex = [...trials].sort((a, b) => a.trialIndex - b.trialIndex);
    expect(await rowsShown(page)).toEqual(byIndex.slice(0, PER_PAGE).map((t) => t.id));
    await expect(page.locator('#trial-table-matching').textContent()).resolves.toBe(String(trials.length));
    expect(await page.locator('#temporal-link').getAttribute('href')).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/${runs.search.searchId}`,
    );

    const final = (await finalLeaderboard(db, runs.search.searchId))!;
    expect(await page.locator('#final-table tbody tr').count()).toBe(final.rows.length);
    expect(await page.locator('#final-table tbody tr').first().locator('td').nth(4).textContent()).toMatch(
      /^\[\d+\.\d+%, \d+\.\d+%\]$/,
    );

    // The next page, then filter by state and sort by a column: the server answers each.
    await Promise.all([page.waitForURL(/[?&]page=2\b/), page.locator('#trial-table-next').click()]);
    expect(await rowsShown(page)).toEqual(byIndex.slice(PER_PAGE, 2 * PER_PAGE).map((t) => t.id));
    await Promise.all([
      page.waitForURL(/[?&]state=succeeded\b/),
      page.selectOption('select[name="state"]', 'succeeded'),
    ]);
    expect(page.url()).not.toMatch(/[?&]page=/);
    await expect(page.locator('#trial-table-matching').textContent()).resolves.toBe(String(succeeded.length));
    expect(await page.locator('#trial-table tbody tr[data-status="succeeded"]').count()).toBe(
      Math.min(succeeded.length, PER_PAGE),
    );
    await Promise.all([
      page.waitForURL(/[?&]sort=val\b/),
      page.locator('#trial-table th a', { hasText: 'val acc' }).click(),
    ]);
    expect(page.url()).toMatch(/[?&]state=succeeded\b/);
    const shown = await page
      .locator('#trial-table tbody tr td:nth-child(4)')
      .evaluateAll((cells: any[]) => cells.map((c) => Number(c.dataset.sort)));
    expect(shown).toEqual(
      succeeded
        .map((t) => t.valAccuracy!)
        .sort((a, b) => a - b)
        .slice(0, PER_PAGE),
    );
    expect(errors).toEqual([]);
  });

  it('draws a trial: both cells as in the genotype, the network stages, the learning curve, the provenance', async () => {
    const trial = (await listTrials(stack.database.db, runs.search.searchId)).find((t) => t.status === 'succeeded')!;
    const architecture = (await getArchitecture(stack.database.db, trial.archHash))!.genotype as NasnetArchitecture;
    const { page, errors } = await open(trialPath(trial.id));
    await shoot(page, 'trial');
    for (const kind of ['normal', 'reduction'] as const) {
      const cell = architecture[kind];
      const figure = page.locator(`#${kind}-cell`);
      expect(await figure.locator('.cell-node[data-kind="op"]').count()).toBe(2 * cell.blocks.length);
      expect(await figure.locator('.cell-node[data-kind="input"]').count()).toBe(2);
      expect(await figure.locator('.cell-node[data-kind="combine"]').count()).toBe(cell.blocks.length);
      const edges = 4 * cell.blocks.length + unconsumedBlocks(cell).length;
      expect(await figure.locator('.cell-edge').count()).toBe(edges);
    }
    const epochs = await listEpochs(stack.database.db, trial.id);
    expect(epochs.length).toBe(2);
    expect(await marks(page, 'trial-accuracy', 0)).toBe(epochs.length);
    expect(await page.locator('#stages tbody tr').count()).toBeGreaterThan(2);
    await expect(page.locator('#provenance').textContent()).resolves.toContain('test-trainer');
    expect(errors).toEqual([]);
  });

  it('draws the baselines run, the final evaluation and the scaling study', async () => {
    for (const [path, name] of [
      [`/runs/${runs.baselinesId}`, 'baselines'],
      [`/runs/${encodeURIComponent(runs.finalId)}`, 'final'],
    ]) {
      const { page, errors } = await open(path);
      await shoot(page, name);
      expect(errors, path).toEqual([]);
      // Its own baseline trainings are drawn as baselines, its candidates as results.
      const own = (await listTrials(stack.database.db, decodeURIComponent(path.slice('/runs/'.length)))).filter(
        (t) => t.valAccuracy !== null,
      );
      const baselineTrials = own.filter((t) => t.role === 'baseline').length;
      expect(baselineTrials, path).toBeGreaterThan(0);
      expect((await marks(page, 'pareto', 0)) + (await marks(page, 'pareto', 1)), path).toBe(
        own.length - baselineTrials,
      );
      expect(await marks(page, 'pareto', 2), path).toBeGreaterThanOrEqual(baselineTrials);
    }
    const points = await listScalingPoints(stack.database.db, runs.studyId);
    const { page, errors } = await open(`/scaling/${runs.studyId}`);
    await shoot(page, 'scaling');
    const drawn = await page.locator('#scaling-chart [ecmeta_ssr_type="chart"]').count();
    // One mark per recorded point with a test accuracy (the protocol has a test split); each line has its own φ=0 point.
    expect(drawn).toBe(points.filter((p) => p.testAccuracy !== null).length);
    expect(drawn).toBeGreaterThan(4);
    expect(await page.locator('#scaling-table tbody tr').count()).toBe(points.length);
    expect(errors).toEqual([]);

    // Trial pages of other families: no cells, but the network's stages.
    const baseline = (await listTrials(stack.database.db, runs.baselinesId))[0];
    for (const [id, name] of [
      [points[0].trialId, 'trial-efficientnet'],
      [baseline.id, 'trial-baseline'],
    ]) {
      const other = await open(trialPath(id));
      await shoot(other.page, name);
      expect(await other.page.locator('.cell-diagram').count()).toBe(0);
      expect(await other.page.locator('#stages tbody tr').count()).toBeGreaterThan(2);
      expect(other.errors, id).toEqual([]);
    }
  });

  it('follows a trial that finishes while the pages are open, without reloading', async () => {
    const db = stack.database.db;
    const { searchId } = runs.search;
    const trials = await listTrials(db, searchId);
    const succeeded = trials.filter((t) => t.status === 'succeeded').length;
    // Newest first: the trial that starts is on the table's first page.
    const run = await open(`/runs/${searchId}?sort=index&dir=desc`);
    const home = await open('/');
    for (const { page } of [run, home]) {
      await page.waitForFunction(
        () => (globalThis as any).document.getElementById('live-status')?.textContent === 'live',
      );
      await page.evaluate(() => ((globalThis as any).loadedOnce = true));
    }

    const source = trials[0];
    const id = `${searchId}/${trials.length}`;
    await enqueueTrial(db, {
      id,
      searchId,
      trialIndex: trials.length,
      archHash: source.archHash,
      protocolHash: source.protocolHash,
      params: Number(source.params),
      flops: Number(source.flops),
      seed: source.seed + 1000,
    });
    await markTrialRunning(db, id, { worker: 'dashboard-test', backend: 'cpu', device: 'cpu' });
    await run.page.waitForFunction(
      (n) => (globalThis as any).document.getElementById('trial-table-matching')?.textContent === n,
      String(trials.length + 1),
    );
    await expect(run.page.locator(`tr[data-trial="${id}"] td.status`).textContent()).resolves.toBe('running');
    await finishTrial(db, id, { status: 'succeeded', valAccuracy: 0.5, testAccuracy: 0.5, trainSeconds: 1 });

    await run.page.waitForFunction(
      (n) =>
        (globalThis as any).document.querySelectorAll('#pareto [ecmeta_ssr_type="chart"][ecmeta_series_index="0"]')
          .length === n,
      succeeded + 1,
    );
    await expect(run.page.locator(`tr[data-trial="${id}"] td.status`).textContent()).resolves.toBe('succeeded');
    await home.page.waitForFunction(
      (n) => (globalThis as any).document.querySelector(`tr[data-run="dashboard-search"] .done`)?.textContent === n,
      String(trials.length + 1),
    );
    for (const { page } of [run, home]) expect(await page.evaluate(() => (globalThis as any).loadedOnce)).toBe(true);
    await shoot(run.page, 'search-live');
    expect([...run.errors, ...home.errors]).toEqual([]);
  });
});
