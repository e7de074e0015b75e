/**
 * Searches of 10,000 trials: REINFORCE (default controller, hidden 64) and regularized evolution
 * over the NASNet space on the simulated trainer with trials that do not wait, at parallelism 8
 * (the proposal window), on the embedded stack and on the Temporal server persisting to Postgres
 * (`nas worker` processes, results on the Postgres server). Each run of the workflow carries the
 * strategy's snapshot (search/strategies/snapshot.ts) across continue-as-new every 500 trials.
 *
 * Measured along the way: per 1,000 trials the throughput, the overhead per trial per slot
 * (trial completions from the histories: wall x slots / trials) and the workflow task latency
 * (scheduled to completed, median and 95th percentile, tasks completed in that stretch), each over
 * the 500 trials up to that point; per run of the workflow its history (events, bytes) and the
 * size of its input (the carry with the snapshot); the databases' size as the search grows.
 *
 *   npm run bench:long-searches [-- --json] [--trials 10000] [--parallel 8] [--only embedded|temporal-postgres]
 *
 * Needs the Postgres server and the Temporal server build (`scripts/temporal-postgres.sh build`).
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { startWorkerProcess, type WorkerProcess } from '../harness/processes.ts';
import { startTemporalOnPostgres } from '../harness/temporal-postgres.ts';
import { openStack } from '../stack/embedded.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { analyseRuns, type LongSearchFigures } from './long-search-figures.ts';
import { studyRequest } from './strategy-study.ts';

type History = temporal.api.history.v1.IHistory;

const STRATEGIES = [
  { label: 'reinforce', flags: ['--strategy', 'reinforce'] },
  { label: 'evolution', flags: ['--strategy', 'evolution'] },
];

interface Sample {
  trials: number;
  seconds: number;
  /** Results database plus Temporal's persistence. */
  megabytes: number;
}

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'boolean' },
      trials: { type: 'string' },
      parallel: { type: 'string' },
      only: { type: 'string' },
    },
  });
  return {
    json: values.json === true,
    trials: Number(values.trials ?? 10_000),
    parallel: Number(values.parallel ?? 8),
    deployments: values.only ? [values.only] : ['embedded', 'temporal-postgres'],
  };
}

async function rowsOf<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

async function finishedTrials(db: Database, searchId: string): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(
    db,
    sql`select count(*)::int as n from trials where search_id = ${searchId} and status not in ('queued', 'running')`,
  );
  return row.n;
}

function directoryBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : entry.isFile() ? statSync(full).size : 0;
  }
  return total;
}

/** Runs the search, sampling progress and size every 2 s; returns the histories of its runs in order. */
async function follow(
  handle: WorkflowHandleWithFirstExecutionRunId<typeof searchWorkflow>,
  db: Database,
  megabytes: () => Promise<number>,
  samples: Sample[],
): Promise<History[]> {
  const started = performance.now();
  let done = false;
  const result = handle.result().finally(() => (done = true));
  while (!done) {
    await Promise.race([result, new Promise((r) => setTimeout(r, 2000))]);
    samples.push({
      trials: await finishedTrials(db, handle.workflowId),
      seconds: (performance.now() - started) / 1000,
      megabytes: await megabytes(),
    });
  }
  await result;
  const histories: History[] = [];
  for (let runId: string | undefined = handle.firstExecutionRunId; runId; ) {
    const history: History = await handle.client.getHandle(handle.workflowId, runId).fetchHistory();
    histories.push(history);
    const last: temporal.api.history.v1.IHistoryEvent | undefined = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}

async function embedded(trials: number, parallel: number, log: (line: string) => void): Promise<LongSearchFigures[]> {
  const home = mkdtempSync(join(tmpdir(), 'nas-bench-long-'));
  Object.assign(process.env, { NAS_HOME: home, NAS_SIMULATED_EPOCH_MS: '0', DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
  const stack = await openStack({ own: true, backend: 'simulated', trainerConcurrency: parallel });
  const out: LongSearchFigures[] = [];
  try {
    const client = await stack.client();
    const { db } = await stack.database();
    for (const strategy of STRATEGIES) {
      const request = {
        ...studyRequest(strategy, 1, trials, parallel),
        searchId: `long-${strategy.label}`,
        trainerTaskQueue: stack.taskQueues.trainer,
      };
      const handle = await client.workflow.start(searchWorkflow, {
        taskQueue: stack.taskQueues.orchestrator,
        workflowId: request.searchId,
        args: [request],
      });
      const samples: Sample[] = [];
      const histories = await follow(handle, db, async () => directoryBytes(home) / 1e6, samples);
      out.push(analyseRuns({ deployment: 'embedded', strategy: strategy.label, trials, parallel, histories, samples }));
      log(JSON.stringify(out[out.length - 1].summary));
    }
  } finally {
    await stack.close();
    rmSync(home, { recursive: true, force: true });
  }
  return out;
}

async function onPostgres(trials: number, parallel: number, log: (line: string) => void): Promise<LongSearchFigures[]> {
  const work = mkdtempSync(join(tmpdir(), 'nas-bench-long-pg-'));
  const server = await startTemporalOnPostgres(join(work, 'temporal-home'));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const out: LongSearchFigures[] = [];
  try {
    for (const strategy of STRATEGIES) {
      const database = await createPostgresTestDatabase();
      const env = {
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: database.url,
        NAS_HOME: join(work, 'home'),
        NAS_SIMULATED_EPOCH_MS: '0',
      };
      const workers: WorkerProcess[] = [
        startWorkerProcess(['orchestrator'], env),
        startWorkerProcess(['trainer', '--backend', 'simulated', '--concurrency', String(parallel)], env),
      ];
      try {
        await Promise.all(workers.map((w) => w.ready));
        const request = { ...studyRequest(strategy, 1, trials, parallel), searchId: `long-pg-${strategy.label}` };
        const handle = await client.workflow.start(searchWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: request.searchId,
          args: [request],
        });
        const megabytes = async () => {
          const [row] = await rowsOf<{ bytes: string }>(
            database.db,
            sql`select (pg_database_size(current_database()) + pg_database_size(${server.database}))::text as bytes`,
          );
          return Number(row.bytes) / 1e6;
        };
        const samples: Sample[] = [];
        const histories = await follow(handle, database.db, megabytes, samples);
        out.push(
          analyseRuns({
            deployment: 'temporal-postgres',
            strategy: strategy.label,
            trials,
            parallel,
            histories,
            samples,
          }),
        );
        log(JSON.stringify(out[out.length - 1].summary));
      } finally {
        await Promise.all(workers.map((w) => w.kill('SIGTERM')));
        await database.close();
      }
    }
  } finally {
    await connection.close();
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const opts = options();
  const log = opts.json ? (text: string) => console.error(text) : (text: string) => console.log(text);
  const searches: LongSearchFigures[] = [];
  if (opts.deployments.includes('embedded')) searches.push(...(await embedded(opts.trials, opts.parallel, log)));
  if (opts.deployments.includes('temporal-postgres'))
    searches.push(...(await onPostgres(opts.trials, opts.parallel, log)));
  if (opts.json) {
    console.log(JSON.stringify({ searches, targets: searches.flatMap((s) => s.targets) }, null, 2));
    return;
  }
  for (const s of searches) {
    console.log(
      `\n${s.deployment}, ${s.strategy}: ${s.trials} trials at parallel ${s.parallel} in ${s.wallSeconds.toFixed(0)} s`,
    );
    console.log(
      `${'trials'.padStart(7)} ${'trials/s'.padStart(9)} ${'overhead ms'.padStart(12)} ${'task ms p50'.padStart(12)} ${'task ms p95'.padStart(12)} ${'databases MB'.padStart(13)}`,
    );
    for (const w of s.windows) {
      console.log(
        `${String(w.upTo).padStart(7)} ${w.trialsPerSecond.toFixed(1).padStart(9)} ${w.overheadMs.toFixed(1).padStart(12)} ${w.workflowTaskP50Ms.toFixed(1).padStart(12)} ${w.workflowTaskP95Ms.toFixed(1).padStart(12)} ${(w.databaseMegabytes ?? NaN).toFixed(1).padStart(13)}`,
      );
    }
    const runs = s.runs;
    const largest = runs.reduce((a, r) => (r.bytes > a.bytes ? r : a), runs[0]);
    console.log(
      `runs: ${runs.length}; per run at most ${largest.events} events and ${(largest.bytes / 1e6).toFixed(2)} MB of history; input of the last run ${(runs[runs.length - 1].inputBytes / 1e6).toFixed(2)} MB`,
    );
    for (const t of s.targets) console.log(`target: ${t.target}: ${t.value.toFixed(2)} (${t.met ? 'met' : 'missed'})`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
