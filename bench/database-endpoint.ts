/**
 * The embedded stack's database endpoint under concurrent clients while a search writes.
 *
 * An owner (`nas search start ... --wait` in a fresh NAS_HOME) runs a search whose candidates are
 * all over budget, so it records trials as fast as the orchestrator goes and trains nothing. Then
 * 1, 10 and 50 clients, each on its own connection to the owner's endpoint (as that many `nas`
 * processes would be), run queries with known answers for a fixed time:
 *   - an echo of a random integer and text in one parameterised statement;
 *   - the search's trial count, which may only grow from one answer to the next of one client;
 *   - the search's own row (one parameter), whose seed and trial count are known.
 * Reported per level: queries/s, errors, wrong answers, queries slower than the hang bound, and
 * the latency percentiles.
 *
 * Before them, issue 26's hostile clients, one at a time (harness/hostile-clients.ts): psql
 * idle in a transaction, the same with a statement every 0.5 s, psql running pg_sleep(20), an
 * authenticated message of length -1, an endless unauthenticated startup packet, an idle
 * unauthenticated connection. Reported: the owner's recording rate (trials/s) with each, against
 * the rate with none.
 *
 * Then 0, 1 and 8 clients sending the heaviest read the owner admits, back to back
 * (bench/heavy-readers.ts): the owner's recording rate and its worst recording delay with each.
 *
 *   npm run bench:database-endpoint [-- --json] [--seconds 10] [--clients 1,10,50] [--hostile-seconds 10]
 *     [--heavy-clients 0,1,8] [--heavy-seconds 10] [--cases hostile,heavy,levels]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { parseArgs } from 'node:util';
import { attachedDatabaseUrl } from '../stack/embedded.ts';
import { measureHeavyReaders, type HeavyReadersResult } from './heavy-readers.ts';
import { measureHostileClients, type HostileResult } from './hostile-clients.ts';

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));
const SEARCH_ID = 'bench-writes';
const SEARCH_TRIALS = 100_000;
const HANG_MS = 5_000;

interface LevelResult {
  clients: number;
  seconds: number;
  queries: number;
  queriesPerSecond: number;
  errors: number;
  wrong: number;
  hung: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  firstProblems: string[];
}

function options() {
  const { values: flags } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'boolean' },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      'hostile-seconds': { type: 'string' },
      'heavy-clients': { type: 'string' },
      'heavy-seconds': { type: 'string' },
      cases: { type: 'string' },
    },
  });
  return {
    json: flags.json === true,
    seconds: Number(flags.seconds ?? 10),
    levels: (flags.clients ?? '1,10,50').split(',').map(Number),
    hostileSeconds: Number(flags['hostile-seconds'] ?? 10),
    heavyLevels: (flags['heavy-clients'] ?? '0,1,8').split(',').map(Number),
    heavySeconds: Number(flags['heavy-seconds'] ?? 10),
    cases: new Set((flags.cases ?? 'hostile,heavy,levels').split(',')),
  };
}

async function waitForUrl(home: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const url = await attachedDatabaseUrl(home);
    if (url) return url;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no owner came up in ${home} within ${timeoutMs / 1000} s`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function withBound<T>(promise: Promise<T>): Promise<T | 'hung'> {
  promise.catch(() => {}); // a query abandoned as hung may still fail when its connection ends
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HANG_MS)));
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function runLevel(url: string, clients: number, seconds: number): Promise<LevelResult> {
  const latencies: number[] = [];
  const problems: string[] = [];
  let errors = 0;
  let wrong = 0;
  let hung = 0;
  const until = Date.now() + seconds * 1000;
  const client = async (id: number) => {
    const sql = postgres(url, { max: 1, connect_timeout: 5, prepare: false, onnotice: () => {} });
    let lastCount = 0;
    let i = 0;
    const problem = (text: string) => problems.length < 5 && problems.push(`client ${id}: ${text}`);
    try {
      while (Date.now() < until) {
        const kind = i++ % 3;
        const started = performance.now();
        try {
          if (kind === 0) {
            const n = Math.floor(Math.random() * 1e9);
            const answer = await withBound(sql`select ${n}::int as n, ${`c${id}`}::text as who`);
            if (answer === 'hung') {
              hung++;
              problem('echo hung');
              continue;
            }
            if (answer[0]?.n !== n || answer[0]?.who !== `c${id}`) {
              wrong++;
              problem(`echo ${n} answered ${JSON.stringify(answer[0])}`);
            }
          } else if (kind === 1) {
            const answer = await withBound(sql`select count(*)::int as n from trials where search_id = ${SEARCH_ID}`);
            if (answer === 'hung') {
              hung++;
              problem('count hung');
              continue;
            }
            const n = answer[0]?.n as number;
            if (!(n >= lastCount)) {
              wrong++;
              problem(`count went from ${lastCount} to ${n}`);
            }
            lastCount = Math.max(lastCount, n ?? 0);
          } else {
            const answer = await withBound(
              sql`select seed, trials_requested as trials from searches where id = ${SEARCH_ID}`,
            );
            if (answer === 'hung') {
              hung++;
              problem('search row hung');
              continue;
            }
            if (answer[0]?.seed !== 1 || answer[0]?.trials !== SEARCH_TRIALS) {
              wrong++;
              problem(`search row ${JSON.stringify(answer[0])}`);
            }
          }
          latencies.push(performance.now() - started);
        } catch (error) {
          errors++;
          problem((error as Error).message.slice(0, 160));
        }
      }
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    clients,
    seconds: round(elapsed),
    queries: latencies.length,
    queriesPerSecond: round(latencies.length / elapsed),
    errors,
    wrong,
    hung,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    firstProblems: problems,
  };
}

async function main() {
  const opts = options();
  // A connection ended under a query that was abandoned as hung rejects that query once more.
  process.on('unhandledRejection', () => {});
  const home = mkdtempSync(join(tmpdir(), 'nas-bench-endpoint-'));
  const owner = spawn(
    process.execPath,
    [
      NAS,
      'search',
      'start',
      '--space',
      'nasnet',
      '--strategy',
      'random',
      '--trials',
      String(SEARCH_TRIALS),
      '--parallel',
      '20',
      '--max-params',
      '1',
      '--id',
      SEARCH_ID,
      '--seed',
      '1',
      '--wait',
    ],
    { env: { ...process.env, NAS_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let ownerLog = '';
  owner.stderr!.on('data', (chunk: Buffer) => (ownerLog = (ownerLog + chunk.toString()).slice(-4000)));
  const results: LevelResult[] = [];
  let hostile: HostileResult[] = [];
  let heavy: HeavyReadersResult[] = [];
  try {
    const url = await waitForUrl(home, 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    const log = (line: string) => opts.json || console.log(line);
    if (opts.cases.has('hostile')) hostile = await measureHostileClients(url, SEARCH_ID, opts.hostileSeconds, log);
    if (opts.cases.has('heavy'))
      heavy = await measureHeavyReaders(url, SEARCH_ID, opts.heavyLevels, opts.heavySeconds, log);
    for (const clients of opts.cases.has('levels') ? opts.levels : []) {
      const result = await runLevel(url, clients, opts.seconds);
      results.push(result);
      if (!opts.json) {
        console.log(
          `${String(clients).padStart(3)} clients: ${result.queriesPerSecond} queries/s, ${result.errors} errors, ` +
            `${result.wrong} wrong, ${result.hung} hung (> ${HANG_MS / 1000} s); latency p50 ${result.p50Ms} ms, ` +
            `p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
        );
        for (const p of result.firstProblems) console.log(`      ${p}`);
      }
    }
    const check = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
    const [{ n }] = await check`select count(*)::int as n from trials where search_id = ${SEARCH_ID}`;
    await check.end();
    if (opts.json) console.log(JSON.stringify({ hostile, heavy, levels: results, trialsWrittenMeanwhile: n }, null, 2));
    else console.log(`the owner recorded ${n} trials meanwhile`);
  } catch (error) {
    console.error(`${(error as Error).message}\nowner's log ends with:\n${ownerLog}`);
    process.exitCode = 1;
  } finally {
    owner.kill('SIGKILL');
    await new Promise((r) => owner.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
