/**
 * `npm run bench:dashboard`: seeds a throwaway database with 1,000 trials (DASHBOARD_BENCH_TRIALS;
 * bench/dashboard-seed.ts; a database on the test Postgres server, or in-memory PGlite with
 * --pglite), starts the dashboard on it and measures each page: server time (the full response to a
 * plain fetch), its size and, with headless Chromium, time to the load event; and what a live
 * refresh of the search page fetches when nothing changed. Medians of several loads each. Ends
 * with the target a 10,000-trial search page is held to.
 */
import { chromium, type Browser } from 'playwright-core';
import { BASELINES } from '../cells/baselines/index.ts';
import { startDashboard } from '../dashboard/index.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { createPgliteTestDatabase } from '../harness/test-database.ts';
import { seedDashboardDatabase } from './dashboard-seed.ts';

const TRIALS = Number(process.env.DASHBOARD_BENCH_TRIALS ?? 1000);
const SERVER_LOADS = 5;
const BROWSER_LOADS = 3;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const TARGET_TRIALS = 10_000;
const TARGET_LOAD_MS = 1500;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The `sections` parameter of a live refresh by a page that holds this markup's sections. */
function heldSections(markup: string): string {
  return [...markup.matchAll(/<section id="([^"]+)" data-live data-version="([0-9a-f]+)"/g)]
    .map((m) => `${m[1]}.${m[2]}`)
    .join(',');
}

async function chromiumLoad(browser: Browser, url: string): Promise<number> {
  const loads: number[] = [];
  for (let i = 0; i < BROWSER_LOADS; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const started = performance.now();
    await page.goto(url, { waitUntil: 'load' });
    loads.push(performance.now() - started);
    await page.close();
  }
  return median(loads);
}

async function serverTime(url: string): Promise<{ ms: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SERVER_LOADS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    times.push(performance.now() - started);
    bytes = Buffer.byteLength(text);
  }
  return { ms: median(times), bytes };
}

async function main() {
  const pglite = process.argv.includes('--pglite');
  const database: DatabaseHandle = pglite ? await createPgliteTestDatabase() : await createPostgresTestDatabase();
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const started = performance.now();
    const seeded = await seedDashboardDatabase(database.db, { trials: TRIALS });
    console.log(
      `seeded ${TRIALS} trials (+ ${BASELINES.length} baselines) on ${pglite ? 'PGlite (in memory)' : 'Postgres'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const dashboard = await startDashboard({ db: database.db, port: 0, log: () => {} });
    const trial = (i: number) => `/trials/${encodeURIComponent(seeded.trialIds[i])}`;
    const search = `/runs/${seeded.searchId}`;
    const lastPage = Math.ceil(TRIALS / 100);
    const searchPage = await (await fetch(dashboard.url + search)).text();
    const pages: Array<[string, string, 'browser' | 'fetch only']> = [
      ['all runs', '/', 'browser'],
      [`search (${TRIALS} trials)`, search, 'browser'],
      ['search, Pareto by FLOPs', `${search}?cost=flops`, 'browser'],
      [`search, table page ${lastPage} by val acc`, `${search}?sort=val&dir=desc&page=${lastPage}`, 'browser'],
      ['search, live refresh (no change)', `${search}?sections=${heldSections(searchPage)}`, 'fetch only'],
      ['baselines run', `/runs/${seeded.baselinesId}`, 'browser'],
      ['trial (NASNet cells)', trial(0), 'browser'],
      ['trial (last)', trial(seeded.trialIds.length - 1), 'browser'],
    ];
    console.log('page                                   server ms   HTML KB   Chromium load ms');
    const loads = new Map<string, number>();
    for (const [name, path, how] of pages) {
      const server = await serverTime(dashboard.url + path);
      const load = how === 'browser' ? await chromiumLoad(browser, dashboard.url + path) : undefined;
      if (load !== undefined) loads.set(path, load);
      console.log(
        `${name.padEnd(39)}${server.ms.toFixed(0).padStart(9)}${(server.bytes / 1024).toFixed(1).padStart(10)}${(load === undefined ? '—' : load.toFixed(0)).padStart(19)}`,
      );
    }
    const searchLoad = loads.get(search)!;
    const targets = [
      {
        target: `10,000-trial search page load <= ${TARGET_LOAD_MS / 1000} s`,
        trials: TRIALS,
        value: `${(searchLoad / 1000).toFixed(2)} s`,
        met:
          TRIALS >= TARGET_TRIALS
            ? searchLoad <= TARGET_LOAD_MS
            : `not measured: ${TRIALS} trials, not ${TARGET_TRIALS}`,
      },
    ];
    console.log(`targets ${JSON.stringify(targets)}`);
    await dashboard.close();
  } finally {
    await browser.close();
    await database.close();
  }
}

await main();
