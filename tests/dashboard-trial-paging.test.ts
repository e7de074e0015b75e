/**
 * The run page's trial table is sorted, filtered and paged by the database, its links keep the
 * view, a query it cannot read is a 400 that says why, and a live refresh gets only the sections
 * that changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDashboardDatabase } from '../bench/dashboard-seed.ts';
import { startDashboard, type Dashboard } from '../dashboard/index.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { listOtherRunsBaselines } from '../db/queries/dashboard-baselines.ts';
import { listTrialPage, trialTableFacts } from '../db/queries/dashboard-trial-page.ts';
import { listRunTrials, type RunTrial } from '../db/queries/dashboard-trials.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { leaderboardScope } from '../db/queries/leaderboard-scope.ts';
import { enqueueTrial, markTrialRunning } from '../db/queries/trials.ts';
import { createPgliteTestDatabase } from '../harness/test-database.ts';

const PER_PAGE = 7;
const ids = (trials: RunTrial[]) => trials.map((t) => t.id);
const byValDesc = (a: RunTrial, b: RunTrial) => b.valAccuracy! - a.valAccuracy! || a.trialIndex - b.trialIndex;
const rowIds = (page: string) => [...page.matchAll(/<tr data-status="[^"]+" data-trial="([^"]+)"/g)].map((m) => m[1]);
const hrefOf = (page: string, id: string) => page.match(new RegExp(`id="${id}"[^>]* href="([^"]*)"`))?.[1];
const decoded = (href: string | undefined) => href?.replaceAll('&amp;', '&');

describe('the trial table, paged by the server', () => {
  let database: DatabaseHandle;
  let dashboard: Dashboard;
  let searchId: string;
  let all: RunTrial[];

  beforeAll(async () => {
    database = await createPgliteTestDatabase();
    ({ searchId } = await seedDashboardDatabase(database.db, { trials: 40 }));
    const source = (await listRunTrials(database.db, searchId))[0];
    // A trial without a result yet: a blank in every result column.
    await enqueueTrial(database.db, {
      id: `${searchId}/40`,
      searchId,
      trialIndex: 40,
      archHash: source.archHash,
      protocolHash: source.protocolHash,
      params: source.params,
      flops: source.flops,
    });
    all = await listRunTrials(database.db, searchId);
    dashboard = await startDashboard({ db: database.db, port: 0, trialsPerPage: PER_PAGE, log: () => {} });
  }, 120_000);
  afterAll(async () => {
    await dashboard?.close();
    await database?.close();
  });

  it('sorts, filters and pages in the database, blanks last either way, ties in trial order', async () => {
    const succeeded = all.filter((t) => t.status === 'succeeded').sort(byValDesc);
    expect(succeeded.length).toBeGreaterThan(2 * PER_PAGE);
    const page2 = await listTrialPage(database.db, searchId, {
      sort: 'val',
      direction: 'desc',
      state: 'succeeded',
      offset: PER_PAGE,
      limit: PER_PAGE,
    });
    expect(ids(page2)).toEqual(ids(succeeded.slice(PER_PAGE, 2 * PER_PAGE)));

    const blank = all.filter((t) => t.valAccuracy === null);
    expect(blank.length).toBeGreaterThan(0);
    const withValue = all.filter((t) => t.valAccuracy !== null);
    for (const direction of ['asc', 'desc'] as const) {
      const everything = await listTrialPage(database.db, searchId, { sort: 'val', direction, offset: 0, limit: 1000 });
      const ordered = [...withValue].sort(byValDesc);
      if (direction === 'asc') ordered.sort((a, b) => a.valAccuracy! - b.valAccuracy! || a.trialIndex - b.trialIndex);
      expect(ids(everything), direction).toEqual(ids([...ordered, ...blank]));
    }
    const byArchitecture = await listTrialPage(database.db, searchId, {
      sort: 'architecture',
      direction: 'asc',
      offset: 0,
      limit: 1000,
    });
    const names = byArchitecture.map((t) => t.baselineName ?? t.description);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('counts the trials per state of the whole run and sees which optional columns any of them fills', async () => {
    const facts = await trialTableFacts(database.db, searchId);
    const counts = new Map<string, number>();
    for (const t of all) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    expect(facts.counts).toEqual(counts);
    expect(facts.total).toBe(all.length);
    expect([facts.rewarded, facts.measured, facts.kept]).toEqual([
      all.some((t) => t.reward !== null),
      all.some((t) => t.latencyMs !== null),
      all.some((t) => t.weightsKept),
    ]);
  });

  it("finds the baselines other runs trained under the run's protocol, the ones the leaderboard adds", async () => {
    const { protocolHashes } = await leaderboardScope(database.db, searchId);
    const ranked = (await leaderboard(database.db, { searchId, top: 100_000, includeBaselines: true })).filter(
      (r) => r.kind === 'baseline',
    );
    expect(ranked.length).toBeGreaterThan(0);
    const found = await listOtherRunsBaselines(database.db, searchId, protocolHashes);
    expect(found.map((b) => [b.trialId, b.name, b.valAccuracy]).sort()).toEqual(
      ranked.map((r) => [r.trialId, r.name, r.valAccuracy]).sort(),
    );
  });

  it('renders the page its query asks for, with header, pager, filter and cost links that keep the view', async () => {
    const query = '?sort=val&dir=desc&state=succeeded&page=2';
    const response = await fetch(`${dashboard.url}/runs/${searchId}${query}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const succeeded = all.filter((t) => t.status === 'succeeded').sort(byValDesc);
    expect(rowIds(page)).toEqual(ids(succeeded.slice(PER_PAGE, 2 * PER_PAGE)));
    const pages = Math.ceil(succeeded.length / PER_PAGE);
    expect(page).toContain(
      `rows <span id="trial-table-range">${PER_PAGE + 1}–${2 * PER_PAGE}</span> of <span id="trial-table-matching">${succeeded.length}</span> succeeded · page 2 of ${pages}`,
    );
    expect(decoded(hrefOf(page, 'trial-table-next'))).toBe('?sort=val&dir=desc&state=succeeded&page=3');
    expect(decoded(hrefOf(page, 'trial-table-prev'))).toBe('?sort=val&dir=desc&state=succeeded');
    // The sorted column's header reverses the order (ascending is the default); another sorts by its own, both from page 1.
    expect(page).toContain(
      '<th class="num" data-sorted="desc" aria-sort="descending"><a href="?sort=val&amp;state=succeeded">val acc</a></th>',
    );
    expect(page).toContain('<th class="num"><a href="?sort=params&amp;state=succeeded">params</a></th>');
    expect(page).toContain('<option value="succeeded" selected>');
    expect(page).toContain(
      '<input type="hidden" name="sort" value="val"><input type="hidden" name="dir" value="desc">',
    );
    expect(page).toContain('<a href="?cost=flops&amp;sort=val&amp;dir=desc&amp;state=succeeded&amp;page=2">FLOPs</a>');

    const first = await (await fetch(`${dashboard.url}/runs/${searchId}`)).text();
    expect(rowIds(first)).toEqual(ids(all.slice(0, PER_PAGE)));
    expect(first).toContain(`<option value="">all (${all.length})</option>`);
    expect(hrefOf(first, 'trial-table-prev')).toBeUndefined();

    const past = await (await fetch(`${dashboard.url}/runs/${searchId}?page=999`)).text();
    expect(rowIds(past)).toEqual([]);
    expect(past).toContain('no rows on page 999');
    expect(decoded(hrefOf(past, 'trial-table-prev'))).toBe(`?page=${Math.ceil(all.length / PER_PAGE)}`);
  });

  it('answers a query it cannot read with 400 and one line that says why', async () => {
    const cases: Array<[string, string]> = [
      ['page=abc', "page must be a whole number from 1, not 'abc'"],
      ['page=0', "page must be a whole number from 1, not '0'"],
      [
        'sort=nonsense',
        "sort must be one of index, state, architecture, val, test, params, flops, fidelity, reward, screen, latency, train, weights, role, worker, finished, not 'nonsense'",
      ],
      ['dir=up', "dir must be one of asc, desc, not 'up'"],
      [
        'state=done',
        "state must be one of queued, running, succeeded, failed, diverged, over_budget, reused, cancelled, not 'done'",
      ],
      ['cost=watts', "cost must be one of params, flops, not 'watts'"],
      ['page=1&page=2', 'page is given more than once'],
      ['sections=summary', "sections must list id.version pairs, not 'summary'"],
    ];
    for (const [query, message] of cases) {
      const response = await fetch(`${dashboard.url}/runs/${searchId}?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).toContain(
        `<p class="error" data-status="400">${message.replaceAll("'", '&#39;')}</p>`,
      );
    }
  });

  it('answers a live refresh with only the sections whose content changed', async () => {
    const url = `${dashboard.url}/runs/${searchId}?sort=index&dir=desc`;
    const held = () =>
      fetch(url)
        .then((r) => r.text())
        .then((page) =>
          [...page.matchAll(/<section id="([^"]+)" data-live data-version="([0-9a-f]+)"/g)].map(
            (m) => `${m[1]}.${m[2]}`,
          ),
        );
    const before = await held();
    expect(before.map((s) => s.split('.')[0])).toEqual(['summary', 'charts', 'curves', 'strategy', 'trials']);
    const unchanged = await fetch(`${url}&sections=${before.join(',')}`);
    expect(unchanged.status).toBe(200);
    expect(await unchanged.text()).toBe('');

    // A trial starts: the progress and the table change, the charts do not.
    await markTrialRunning(database.db, `${searchId}/40`, { worker: 'paging-test', backend: 'cpu', device: 'cpu' });
    const fragment = await (await fetch(`${url}&sections=${before.join(',')}`)).text();
    expect([...fragment.matchAll(/<section id="([^"]+)" data-live/g)].map((m) => m[1])).toEqual(['summary', 'trials']);
    expect(fragment).toContain(', 1 running');
    expect(fragment).toContain(`<tr data-status="running" data-trial="${searchId}/40">`);
    expect(fragment).not.toContain('<html');
  });
});
