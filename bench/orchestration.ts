/**
 * What the orchestration costs per trial, measured with the simulated trainer (trials that wait
 * instead of training) through the real search workflow, activities and database writes.
 *
 * For trial lengths 0 and 1 s and parallelism 1, 4, 16 and 64: a random search of enough trials
 * to fill the slots several times, timed from workflow start to result, on
 *   - the embedded stack (dev server, PGlite, in-process workers: what `nas search start --wait` runs);
 *   - a Temporal server persisting to Postgres, with the results on the Postgres server and
 *     `nas worker` processes (an orchestrator and 1, 2, 4 or 8 simulated trainers);
 * then with 10 s trials one trainer process against eight, each running one trial at a time;
 * and, when Debian's python3-optuna (and python3-psycopg2) is installed, Optuna's random sampler
 * with RDB storage on the same Postgres server, the same trial counts and n_jobs = parallelism.
 * Reported per run: trials/s, and the overhead per trial per slot: wall x slots / trials - length.
 * Then where the time of one trial goes: the activities and workflow tasks of the embedded run at
 * parallelism 1 with 0 s trials, from its Temporal history (bench/history-trace.ts). Last, issue 18's
 * targets as met or missed (bench/orchestration-targets.ts; the JSON's `targets`).
 *
 *   npm run bench:orchestration [-- --json] [--quick]
 *
 * Needs the Postgres server (NAS_TEST_POSTGRES_URL) and the Temporal server build
 * (`scripts/temporal-postgres.sh build`). --quick: parallelism 1 and 16 only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { createPostgresTestDatabase, TEST_SERVER_URL } from '../harness/postgres-database.ts';
import { startWorkerProcess, type WorkerProcess } from '../harness/processes.ts';
import { startTemporalOnPostgres } from '../harness/temporal-postgres.ts';
import type { SearchRequest } from '../search/request.ts';
import { openStack } from '../stack/embedded.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { traceHistory, type Span } from './history-trace.ts';
import { orchestrationTargets } from './orchestration-targets.ts';

interface Run {
  deployment: string;
  trainers: number;
  parallel: number;
  trialMs: number;
  trials: number;
  wallSeconds: number;
  trialsPerSecond: number;
  /** Wall time per trial per slot beyond the trial's own length. */
  overheadMs: number;
}

const LENGTHS_MS = [0, 1000];
const SCALE_OUT_TRIAL_MS = 10_000;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { json: { type: 'boolean' }, quick: { type: 'boolean' } },
  });
  return { json: values.json === true, parallels: values.quick ? [1, 16] : [1, 4, 16, 64] };
}

/** Enough trials to fill every slot several times, and a few seconds of work at least. */
function trialCount(parallel: number, trialMs: number): number {
  return trialMs === 0 ? Math.max(50, 4 * parallel) : Math.max(10, 3 * parallel);
}

/** `devices`: trials the trainer processes run at once in all, when fewer than the parallelism. */
function runOf(
  deployment: string,
  trainers: number,
  parallel: number,
  trialMs: number,
  trials: number,
  wallSeconds: number,
  devices = parallel,
): Run {
  const slots = Math.min(parallel, devices, trials);
  return {
    deployment,
    trainers,
    parallel,
    trialMs,
    trials,
    wallSeconds,
    trialsPerSecond: trials / wallSeconds,
    overheadMs: (wallSeconds * 1000 * slots) / trials - trialMs,
  };
}

let searches = 0;

/** A search of its own seed, so no architecture of an earlier run is reused instead of trained. */
function searchRequest(id: string, parallel: number, trials: number, trainerTaskQueue?: string): SearchRequest {
  const flags = parseCommandLine([
    ...[
      'search',
      'start',
      '--id',
      id,
      '--backend',
      'simulated',
      '--space',
      'nasnet',
      '--strategy',
      'random',
      '--seed',
      String(++searches),
    ],
    ...['--trials', String(trials), '--parallel', String(parallel), '--epochs', '1'],
  ]).input.flags;
  const request = searchRequestFromFlags(flags, { checkData: false });
  if (trainerTaskQueue) request.trainerTaskQueue = trainerTaskQueue;
  return request;
}

async function timed(client: Client, taskQueue: string, request: SearchRequest): Promise<number> {
  const started = performance.now();
  const summary = await client.workflow.execute(searchWorkflow, {
    taskQueue,
    workflowId: request.searchId,
    args: [request],
  });
  const seconds = (performance.now() - started) / 1000;
  if ((summary.counts.succeeded ?? 0) + (summary.counts.reused ?? 0) !== request.trials)
    throw new Error(`${request.searchId}: ${JSON.stringify(summary.counts)} of ${request.trials} trials`);
  return seconds;
}

/** The trace of the embedded search at parallelism 1 with 0 s trials. */
let trace: { trials: number; spans: Span[] } | null = null;

async function embedded(parallels: number[], log: (line: string) => void): Promise<Run[]> {
  const runs: Run[] = [];
  for (const trialMs of LENGTHS_MS) {
    const home = mkdtempSync(join(tmpdir(), 'nas-bench-orchestration-'));
    Object.assign(process.env, {
      NAS_HOME: home,
      NAS_SIMULATED_EPOCH_MS: String(trialMs),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    });
    const stack = await openStack({ own: true, backend: 'simulated', trainerConcurrency: Math.max(...parallels) });
    try {
      const client = await stack.client();
      for (const parallel of parallels) {
        const trials = trialCount(parallel, trialMs);
        const request = searchRequest(`embedded-${trialMs}-${parallel}`, parallel, trials, stack.taskQueues.trainer);
        const run = runOf(
          'embedded',
          1,
          parallel,
          trialMs,
          trials,
          await timed(client, stack.taskQueues.orchestrator, request),
        );
        log(line(run));
        runs.push(run);
        if (parallel === 1 && trialMs === 0)
          trace = { trials, spans: traceHistory(await client.workflow.getHandle(request.searchId).fetchHistory()) };
      }
    } finally {
      await stack.close();
      rmSync(home, { recursive: true, force: true });
    }
  }
  return runs;
}

async function onPostgres(parallels: number[], log: (line: string) => void): Promise<Run[]> {
  const work = mkdtempSync(join(tmpdir(), 'nas-bench-orchestration-pg-'));
  const temporal = await startTemporalOnPostgres(join(work, 'temporal-home'));
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const runs: Run[] = [];
  /** `concurrency`: trials per trainer process at once; by default the parallelism shared out. */
  const scenario = async (
    trainers: number,
    parallel: number,
    trialMs: number,
    concurrency = Math.ceil(parallel / trainers),
    trials = trialCount(parallel, trialMs),
  ) => {
    const database = await createPostgresTestDatabase();
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: database.url,
      NAS_HOME: join(work, 'home'),
      NAS_SIMULATED_EPOCH_MS: String(trialMs),
    };
    const workers: WorkerProcess[] = [startWorkerProcess(['orchestrator'], env)];
    for (let i = 0; i < trainers; i++) {
      workers.push(
        startWorkerProcess(
          ['trainer', '--backend', 'simulated', '--concurrency', String(concurrency), '--identity', `sim-${i}`],
          env,
        ),
      );
    }
    try {
      await Promise.all(workers.map((w) => w.ready));
      const request = searchRequest(`pg-${trainers}-${trialMs}-${parallel}-${concurrency}`, parallel, trials);
      const wall = await timed(client, ORCHESTRATOR_TASK_QUEUE, request);
      const run = runOf('temporal-postgres', trainers, parallel, trialMs, trials, wall, trainers * concurrency);
      log(line(run));
      runs.push(run);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await database.close();
    }
  };
  try {
    for (const trialMs of LENGTHS_MS) for (const parallel of parallels) await scenario(1, parallel, trialMs);
    const widest = Math.max(...parallels);
    for (const trainers of [2, 4, 8]) await scenario(trainers, widest, 0);
    // Scale-out: each trainer process one device (one trial at a time), 10 s trials.
    for (const [trainers, trials] of [
      [1, 3],
      [8, 16],
    ])
      await scenario(trainers, Math.min(8, trials), SCALE_OUT_TRIAL_MS, 1, trials);
  } finally {
    await connection.close();
    await temporal.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  return runs;
}

const OPTUNA_SCRIPT = `
import sys, time, optuna
url, trials, jobs, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=1), study_name="bench")
ops = ["sep3", "sep5", "sep7", "avg3", "max3", "id", "dil3", "conv1", "conv3"]
def objective(trial):
    score = 0.0
    for cell in ("normal", "reduction"):
        for b in range(5):
            for k in range(2):
                trial.suggest_int(f"{cell}{b}in{k}", 0, b + 1)
                score += len(trial.suggest_categorical(f"{cell}{b}op{k}", ops))
    time.sleep(seconds)
    return score
started = time.perf_counter()
study.optimize(objective, n_trials=trials, n_jobs=jobs)
print(time.perf_counter() - started)
`;

/** Debian's interpreter, which has the python3-optuna package (a pyenv shim first on PATH may not). */
const PYTHON = process.env.NAS_BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function optunaAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import optuna, psycopg2'], { stdio: 'ignore' }).status === 0;
}

async function optuna(parallels: number[], log: (line: string) => void): Promise<Run[]> {
  const script = join(mkdtempSync(join(tmpdir(), 'nas-bench-optuna-')), 'optuna_bench.py');
  writeFileSync(script, OPTUNA_SCRIPT);
  const admin = postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} });
  const runs: Run[] = [];
  try {
    for (const trialMs of LENGTHS_MS) {
      for (const parallel of parallels) {
        const name = `optuna_bench_${process.pid}_${trialMs}_${parallel}`;
        await admin.unsafe(`create database "${name}"`);
        try {
          const url = new URL(TEST_SERVER_URL);
          url.protocol = 'postgresql+psycopg2:';
          url.pathname = `/${name}`;
          const trials = trialCount(parallel, trialMs);
          const out = execFileSync(
            PYTHON,
            [script, url.toString(), String(trials), String(parallel), String(trialMs / 1000)],
            { encoding: 'utf8' },
          );
          const run = runOf(
            'optuna (RDB on Postgres)',
            1,
            parallel,
            trialMs,
            trials,
            Number(out.trim().split('\n').pop()),
          );
          log(line(run));
          runs.push(run);
        } finally {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
        }
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
    rmSync(join(script, '..'), { recursive: true, force: true });
  }
  return runs;
}

function line(r: Run): string {
  return (
    `${r.deployment.padEnd(26)} ${String(r.trainers).padStart(8)} ${String(r.parallel).padStart(8)} ${String(r.trialMs).padStart(8)} ` +
    `${String(r.trials).padStart(6)} ${r.wallSeconds.toFixed(2).padStart(8)} ${r.trialsPerSecond.toFixed(1).padStart(9)} ${r.overheadMs.toFixed(1).padStart(11)}`
  );
}

async function main(): Promise<void> {
  const opts = options();
  const log = opts.json ? (text: string) => console.error(text) : (text: string) => console.log(text);
  log(
    `${'deployment'.padEnd(26)} ${'trainers'.padStart(8)} ${'parallel'.padStart(8)} ${'trial ms'.padStart(8)} ${'trials'.padStart(6)} ${'wall s'.padStart(8)} ${'trials/s'.padStart(9)} ${'overhead ms'.padStart(11)}`,
  );
  const runs = [...(await embedded(opts.parallels, log)), ...(await onPostgres(opts.parallels, log))];
  if (optunaAvailable()) runs.push(...(await optuna(opts.parallels, log)));
  else log('optuna: not installed (apt-get install python3-optuna python3-psycopg2 adds the reference rows)');
  if (trace) {
    log(`\nOne trial's path (embedded, parallel 1, 0 s trials; per trial, from the search's history):`);
    log(`${'step'.padEnd(18)} ${'per trial'.padStart(9)} ${'queued ms'.padStart(10)} ${'run ms'.padStart(8)}`);
    for (const span of trace.spans) {
      log(
        `${span.name.padEnd(18)} ${(span.count / trace.trials).toFixed(2).padStart(9)} ${span.queuedMs.toFixed(1).padStart(10)} ${span.runMs.toFixed(1).padStart(8)}`,
      );
    }
  }
  const targets = orchestrationTargets(runs, SCALE_OUT_TRIAL_MS);
  log('');
  for (const t of targets) log(`target: ${t.target}: ${t.value.toFixed(3)} (${t.met ? 'met' : 'missed'})`);
  if (opts.json) console.log(JSON.stringify({ runs, trace, targets }, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
