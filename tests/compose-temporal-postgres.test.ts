/**
 * The deployment shape without Docker: a real Temporal server persisting to Postgres
 * (scripts/temporal-postgres.sh), an orchestrator and two trainers as separate `nas worker`
 * processes. Mid-search the Temporal server restarts and one trainer is killed; the search
 * still finishes with every trial recorded once, trained by both trainers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEpochs, listTrials } from '../db/queries/trials.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { createPostgresTestDatabase } from './support/db-helpers.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';
import { startWorkerProcess, waitFor, type WorkerProcess } from '../harness/processes.ts';
import { tinySearchRequest } from '../harness/search-stack.ts';
import {
  countStoredExecutions,
  startTemporalOnPostgres,
  type TemporalOnPostgres,
} from '../harness/temporal-postgres.ts';

describe('Temporal on Postgres with an orchestrator and two trainer processes', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'nas-temporal-pg-'));
  const processes: WorkerProcess[] = [];
  let temporal: TemporalOnPostgres;
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;

  beforeAll(async () => {
    temporal = await startTemporalOnPostgres(join(workDir, 'temporal-home'));
    database = await createPostgresTestDatabase();
    writeIdxFixture(join(workDir, 'data'), { train: 400, test: 100, seed: 6 });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await temporal?.destroy();
    await database?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('finishes a search across a server restart and a killed trainer', async () => {
    const workerEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: database.url,
      NAS_DATA_DIR: join(workDir, 'data'),
      NAS_HOME: join(workDir, 'worker-home'),
    };
    const start = (args: string[]) => {
      const worker = startWorkerProcess(args, workerEnv);
      processes.push(worker);
      return worker;
    };
    const orchestrator = start(['orchestrator']);
    const trainerA = start(['trainer', '--identity', 'trainer-a']);
    const trainerB = start(['trainer', '--identity', 'trainer-b']);
    await Promise.all([orchestrator.ready, trainerA.ready, trainerB.ready]);

    const request = tinySearchRequest({
      searchId: `pg-temporal-${process.pid}-${Date.now()}`,
      trials: 6,
      parallel: 2,
      trainerTaskQueue: 'nas-train-cpu',
      protocol: { ...tinySearchRequest().protocol, epochs: 6, trainSize: 320 },
    });
    const firstConnection = await Connection.connect({ address: temporal.address });
    await new Client({ connection: firstConnection }).workflow.start(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });
    await firstConnection.close();
    const succeededOn = async (worker: string) =>
      (await listTrials(database.db, request.searchId)).some((r) => r.status === 'succeeded' && r.worker === worker);
    await waitFor(
      async () => (await succeededOn('trainer-a')) && (await succeededOn('trainer-b')),
      180_000,
      'a finished trial on each trainer',
    );

    await temporal.stop();
    expect(await countStoredExecutions(temporal, request.searchId)).toBeGreaterThanOrEqual(1);
    await temporal.start();

    const victim = await waitFor(
      async () => {
        const rows = await listTrials(database.db, request.searchId);
        const running = rows.find((r) => r.status === 'running' && r.worker === 'trainer-a');
        return running && (await listEpochs(database.db, running.id)).length >= 1 ? running : null;
      },
      180_000,
      'a trial past its first epoch on trainer-a',
    );
    await trainerA.kill('SIGKILL');

    const connection = await Connection.connect({ address: temporal.address });
    try {
      const summary = await new Client({ connection }).workflow.getHandle(request.searchId).result();
      expect(summary.status).toBe('finished');
    } finally {
      await connection.close();
    }
    const trials = await listTrials(database.db, request.searchId);
    const workerLogs = processes.map((p) => p.output().slice(-3000)).join('\n----\n');
    expect(
      trials.map((t) => [t.trialIndex, t.status, t.error ?? null]).sort((a, b) => Number(a[0]) - Number(b[0])),
      workerLogs,
    ).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 'succeeded', null]));
    expect(new Set(trials.map((t) => t.worker))).toEqual(new Set(['trainer-a', 'trainer-b']));
    const retried = trials.find((t) => t.id === victim.id)!;
    expect(retried.worker).toBe('trainer-b');
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    expect((await listEpochs(database.db, retried.id)).map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
  }, 420_000);
});
