/**
 * What a second trainer process buys, and what a Temporal server restart costs.
 *
 * The same search (same seed, so the same candidates, and the same protocol on Fashion-MNIST)
 * runs three times on a real Temporal server persisting to the local Postgres server, with an
 * orchestrator and trainers as separate `nas worker` processes:
 *   1. one trainer;
 *   2. two trainers;
 *   3. two trainers, and the Temporal server stopped and started again after the first trial
 *      finishes.
 * Each run gets a fresh results database, so no result is reused. Reported: wall time from
 * workflow start to result, trials per trainer, the server's downtime, and the ratios.
 *
 *   npm run bench:scale-out [-- --json] [--trials 6] [--train-size 1000] [--backend wasm]
 *
 * Needs the Postgres server (NAS_TEST_POSTGRES_URL), the Temporal server build
 * (`scripts/temporal-postgres.sh build`) and Fashion-MNIST (NAS_DATA_DIR or the Debian package).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { listTrials } from '../db/queries/trials.ts';
import { requireOneOf, requirePositiveInteger } from '../contracts/field-checks.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { BACKEND_CHOICES } from '../cli/backend-flag.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { startWorkerProcess, waitFor, type WorkerProcess } from '../harness/processes.ts';
import { startTemporalOnPostgres, type TemporalOnPostgres } from '../harness/temporal-postgres.ts';

interface Scenario {
  name: string;
  trainers: number;
  restartServer: boolean;
}

interface RunResult extends Scenario {
  wallSeconds: number;
  succeeded: number;
  trialsPerTrainer: Record<string, number>;
  /** Summed training time of the trials (their own clocks). */
  trainSeconds: number;
  /** Server stop to serving again; null without a restart. */
  downtimeSeconds: number | null;
}

const SCENARIOS: Scenario[] = [
  { name: '1 trainer', trainers: 1, restartServer: false },
  { name: '2 trainers', trainers: 2, restartServer: false },
  { name: '2 trainers + server restart', trainers: 2, restartServer: true },
];

function options() {
  const { values: flags } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'boolean' },
      trials: { type: 'string' },
      'train-size': { type: 'string' },
      backend: { type: 'string' },
    },
  });
  return {
    json: flags.json === true,
    trials: requirePositiveInteger('--trials', flags.trials ?? 6),
    trainSize: requirePositiveInteger('--train-size', flags['train-size'] ?? 1000),
    backend: requireOneOf('--backend', flags.backend ?? 'wasm', BACKEND_CHOICES),
  };
}

async function runScenario(
  scenario: Scenario,
  temporal: TemporalOnPostgres,
  opts: ReturnType<typeof options>,
  workDir: string,
  log: (line: string) => void,
): Promise<RunResult> {
  const database = await createPostgresTestDatabase();
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, NAS_HOME: join(workDir, 'home') };
  const workers: WorkerProcess[] = [startWorkerProcess(['orchestrator'], env)];
  for (let i = 0; i < scenario.trainers; i++) {
    workers.push(startWorkerProcess(['trainer', '--identity', `trainer-${i + 1}`, '--backend', opts.backend], env));
  }
  const connection = await Connection.connect({ address: temporal.address });
  try {
    await Promise.all(workers.map((w) => w.ready));
    const request = searchRequestFromFlags(
      parseCommandLine([
        ...[
          'search',
          'start',
          '--id',
          `scale-out-${scenario.trainers}-${scenario.restartServer ? 'restart' : 'plain'}`,
        ],
        ...[
          '--space',
          'nasnet',
          '--strategy',
          'random',
          '--seed',
          '3',
          '--trials',
          String(opts.trials),
          '--parallel',
          '2',
        ],
        ...[
          '--train-size',
          String(opts.trainSize),
          '--val-size',
          '500',
          '--test-size',
          '500',
          '--epochs',
          '1',
          '--batch-size',
          '16',
        ],
      ]).input.flags,
    );
    const started = Date.now();
    const handle = await new Client({ connection }).workflow.start(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });
    let downtimeSeconds: number | null = null;
    if (scenario.restartServer) {
      await waitFor(
        async () => (await listTrials(database.db, request.searchId)).some((t) => t.status === 'succeeded'),
        3_600_000,
        'a first trial',
      );
      const down = Date.now();
      await temporal.stop();
      await temporal.start();
      downtimeSeconds = (Date.now() - down) / 1000;
      log(`  server restarted: ${downtimeSeconds.toFixed(1)} s down`);
    }
    await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING', 3_600_000, 'the search to end');
    const wallSeconds = (Date.now() - started) / 1000;
    const trials = await listTrials(database.db, request.searchId);
    const trialsPerTrainer: Record<string, number> = {};
    for (const trial of trials)
      trialsPerTrainer[trial.worker ?? 'none'] = (trialsPerTrainer[trial.worker ?? 'none'] ?? 0) + 1;
    return {
      ...scenario,
      wallSeconds,
      succeeded: trials.filter((t) => t.status === 'succeeded').length,
      trialsPerTrainer,
      trainSeconds: trials.reduce((sum, t) => sum + (t.trainSeconds ?? 0), 0),
      downtimeSeconds,
    };
  } finally {
    await connection.close();
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await database.close();
  }
}

async function main(): Promise<void> {
  const opts = options();
  const log = opts.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const workDir = mkdtempSync(join(tmpdir(), 'nas-scale-out-'));
  const temporal = await startTemporalOnPostgres(join(workDir, 'temporal-home'));
  const results: RunResult[] = [];
  try {
    log(
      `Temporal server on Postgres at ${temporal.address}; ${opts.trials} trials of ${opts.trainSize} samples, backend ${opts.backend}`,
    );
    for (const scenario of SCENARIOS) {
      log(`${scenario.name} ...`);
      const result = await runScenario(scenario, temporal, opts, workDir, log);
      log(
        `  ${result.wallSeconds.toFixed(1)} s wall, ${result.succeeded}/${opts.trials} succeeded, ` +
          `train ${result.trainSeconds.toFixed(1)} s, per trainer ${JSON.stringify(result.trialsPerTrainer)}`,
      );
      results.push(result);
    }
  } finally {
    await temporal.destroy();
    rmSync(workDir, { recursive: true, force: true });
  }
  const [one, two, restarted] = results;
  const ratios = {
    speedupTwoTrainers: one.wallSeconds / two.wallSeconds,
    restartCostSeconds: restarted.wallSeconds - two.wallSeconds,
    restartSlowdown: restarted.wallSeconds / two.wallSeconds,
  };
  if (opts.json) {
    console.log(JSON.stringify({ options: opts, results, ratios }, null, 2));
    return;
  }
  log(`two trainers vs one: ${ratios.speedupTwoTrainers.toFixed(2)}x faster`);
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  log(
    `server restart: ${signed(ratios.restartCostSeconds)} s wall (${ratios.restartSlowdown.toFixed(2)}x), ${restarted.downtimeSeconds?.toFixed(1)} s down`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
