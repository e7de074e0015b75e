/**
 * `npm run bench:dashboard`: seeds a throwaway database with 1,000 trials (bench/dashboard-seed.ts;
 * a database on the test Postgres server, or in-memory PGlite with --pglite), starts the dashboard
 * on it and measures each page: server time (the full response to a plain fetch) and, with headless
 * Chromium, time to the load event. Medians of several loads each.
 */
import { chromium } from 'playwright-core';
import { BASELINES } from '../cells/baselines';
import { startDashboard } from '../dashboard';
import type { DatabaseHandle } from '../db/client';
import { createPostgresTestDatabase } from '../harness/postgres-database';
import { createPgliteTestDatabase } from '../harness/test-database';
import { seedDashboardDatabase } from './dashboard-seed';

const TRIALS = Number(process.env.DASHBOARD_BENCH_TRIALS ?? 1000);
const SERVER_LOADS = 5;
const BROWSER_LOADS = 3;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

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
    let started = performance.now();
    const seeded = await seedDashboardDatabase(database.db, { trials: TRIALS });
    console.log(
      `seeded ${TRIALS} trials (+ ${BASELINES.length} baselines) on ${pglite ? 'PGlite (in memory)' : 'Postgres'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const dashboard = await startDashboard({ db: database.db, port: 0, log: () => {} });
    const trial = (i: number) => `/trials/${encodeURIComponent(seeded.trialIds[i])}`;
    const pages: Array<[string, string]> = [
      ['all runs', '/'],
      [`search (${TRIALS} trials)`, `/runs/${seeded.searchId}`],
      ['search, Pareto by FLOPs', `/runs/${seeded.searchId}?cost=flops`],
      ['baselines run', `/runs/${seeded.baselinesId}`],
      ['trial (NASNet cells)', trial(0)],
      ['trial (last)', trial(seeded.trialIds.length - 1)],
    ];
    console.log('page                          server ms   HTML KB   Chromium load ms');
    for (const [name, path] of pages) {
      const server = await serverTime(dashboard.url + path);
      const loads: number[] = [];
      for (let i = 0; i < BROWSER_LOADS; i++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        started = performance.now();
        await page.goto(dashboard.url + path, { waitUntil: 'load' });
        loads.push(performance.now() - started);
        await page.close();
      }
      console.log(
        `${name.padEnd(30)}${server.ms.toFixed(0).padStart(9)}${(server.bytes / 1024).toFixed(0).padStart(10)}${median(loads).toFixed(0).padStart(19)}`,
      );
    }
    await dashboard.close();
  } finally {
    await browser.close();
    await database.close();
  }
}

await main();
