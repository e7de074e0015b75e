/**
 * The deployment shape without Docker: a real Temporal server persisting to Postgres
 * (scripts/temporal-postgres.sh), and orchestrator and trainer workers as separate `nas worker`
 * processes. The Temporal server is restarted mid-search; the search still finishes, because
 * its state lives in Postgres.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTrials } from '../db/queries/trials';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues';
import { canOpenTcp } from '../workers/temporal/connect';
import { resolveTemporalCli } from '../workers/temporal/cli-binary';
import { searchWorkflow } from '../workflows/search';
import { TEST_SERVER_URL, createPostgresTestDatabase } from './db-helpers';
import { writeIdxFixture } from './fixtures/idx';
import { startWorkerProcess, waitFor, type WorkerProcess } from './helpers/processes';
import { tinySearchRequest } from './helpers/search-stack';

/** Ports the script derives from its frontend port P (see write_config in the script). */
const PORT_OFFSETS = [0, 1, 2, 6, 10, -300, -299, -298, -294];

async function freeBasePort(): Promise<number> {
  for (let base = 21_000 + (process.pid % 400) * 20; base < 60_000; base += 97) {
    const taken = await Promise.all(PORT_OFFSETS.map((offset) => canOpenTcp('127.0.0.1', base + offset, 300)));
    if (!taken.some(Boolean)) return base;
  }
  throw new Error('no free port range for the Temporal server');
}

interface TemporalProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

function startTemporalOnPostgres(env: NodeJS.ProcessEnv): Promise<TemporalProcess> {
  const child = spawn('bash', ['scripts/temporal-postgres.sh', 'up'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/serving at/.test(output)) resolve({ child, stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`temporal-postgres.sh exited (${code}) before serving:\n${output.slice(-4000)}`)));
  });
}

describe('Temporal on Postgres with worker processes', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'nas-temporal-pg-'));
  const suffix = `${process.pid}_${Date.now()}`;
  const temporalDatabases = [`temporal_t_${suffix}`, `temporal_vis_t_${suffix}`];
  const processes: WorkerProcess[] = [];
  let temporalEnv: NodeJS.ProcessEnv;
  let temporal: TemporalProcess | undefined;
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  let address: string;

  beforeAll(async () => {
    const port = await freeBasePort();
    address = `127.0.0.1:${port}`;
    const server = new URL(TEST_SERVER_URL);
    temporalEnv = {
      TEMPORAL_PORT: String(port),
      TEMPORAL_DB: temporalDatabases[0],
      TEMPORAL_VISIBILITY_DB: temporalDatabases[1],
      TEMPORAL_PG_HOST: server.hostname,
      TEMPORAL_PG_PORT: server.port || '5432',
      TEMPORAL_PG_USER: decodeURIComponent(server.username) || 'postgres',
      TEMPORAL_PG_PASSWORD: decodeURIComponent(server.password),
      TEMPORAL_CLI: await resolveTemporalCli({ log: () => {} }),
      NAS_HOME: join(workDir, 'temporal-home'),
    };
    temporal = await startTemporalOnPostgres(temporalEnv);
    database = await createPostgresTestDatabase();
    writeIdxFixture(join(workDir, 'data'), { train: 400, test: 100, seed: 6 });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await temporal?.stop();
    await database?.close();
    const admin = postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} });
    try {
      for (const name of temporalDatabases) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('finishes a search across a Temporal server restart', async () => {
    const workerEnv = {
      TEMPORAL_ADDRESS: address,
      DATABASE_URL: database.url,
      NAS_DATA_DIR: join(workDir, 'data'),
      NAS_HOME: join(workDir, 'worker-home'),
    };
    for (const args of [['orchestrator'], ['trainer', '--backend', 'cpu']]) {
      processes.push(startWorkerProcess(args, workerEnv));
    }
    await Promise.all(processes.map((p) => p.ready));

    const request = tinySearchRequest({ searchId: `pg-temporal-${suffix}`, trials: 2, parallel: 1, trainerTaskQueue: 'nas-train-cpu' });
    const firstConnection = await Connection.connect({ address });
    await new Client({ connection: firstConnection }).workflow.start(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });
    await firstConnection.close();
    await waitFor(
      async () => (await listTrials(database.db, request.searchId)).some((r) => r.status === 'succeeded'),
      120_000,
      'a first finished trial',
    );

    await temporal!.stop();
    const admin = postgres({ ...pgOptions(), database: temporalDatabases[0] });
    try {
      const rows = await admin`select count(*)::int as n from executions where workflow_id = ${request.searchId}`;
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.end({ timeout: 5 });
    }
    temporal = await startTemporalOnPostgres(temporalEnv);

    const connection = await Connection.connect({ address });
    try {
      const summary = await new Client({ connection }).workflow.getHandle(request.searchId).result();
      expect(summary.status).toBe('finished');
    } finally {
      await connection.close();
    }
    const trials = await listTrials(database.db, request.searchId);
    const byIndex = [...trials].sort((a, b) => a.trialIndex - b.trialIndex);
    const workerLogs = processes.map((p) => p.output().slice(-3000)).join('\n----\n');
    expect(byIndex.map((t) => [t.trialIndex, t.status, t.error ?? null]), workerLogs).toEqual([
      [0, 'succeeded', null],
      [1, 'succeeded', null],
    ]);
  }, 300_000);
});

function pgOptions() {
  const url = new URL(TEST_SERVER_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password) || undefined,
    max: 1,
    onnotice: () => {},
  };
}
