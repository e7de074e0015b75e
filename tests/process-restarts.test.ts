/**
 * Separate OS processes connected only through TEMPORAL_ADDRESS and DATABASE_URL: a trainer
 * killed mid-trial, and an orchestrator killed mid-search, and the search still ends with every
 * trial recorded exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEpochs, listTrials } from '../db/queries/trials.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { startDevServer, type DevServer } from '../stack/temporal/dev-server.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { createPostgresTestDatabase } from './support/db-helpers.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';
import { tinySearchRequest } from '../harness/search-stack.ts';
import { freePort, startWorkerProcess, waitFor, type WorkerProcess } from '../harness/processes.ts';

describe('worker processes killed mid-search', () => {
  let server: DevServer;
  let client: Client;
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  const workDir = mkdtempSync(join(tmpdir(), 'nas-restarts-'));
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await startDevServer({
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: join(workDir, 'temporal.sqlite'),
      log: () => {},
    });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    database = await createPostgresTestDatabase();
    writeIdxFixture(join(workDir, 'data'), { train: 400, test: 100, seed: 4 });
    env = {
      TEMPORAL_ADDRESS: server.address,
      DATABASE_URL: database.url,
      NAS_DATA_DIR: join(workDir, 'data'),
      NAS_HOME: join(workDir, 'home'),
    };
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await client?.connection.close();
    await database?.close();
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const start = (args: string[]) => {
    const worker = startWorkerProcess(args, env);
    processes.push(worker);
    return worker;
  };

  const slowRequest = (searchId: string, seed: number) =>
    tinySearchRequest({
      searchId,
      seed,
      trials: 3,
      parallel: 1,
      trainerTaskQueue: 'nas-train-cpu',
      protocol: { ...tinySearchRequest().protocol, epochs: 6, trainSize: 320 },
    });

  it('retries a killed trainer’s trial on another trainer from its checkpoint', async () => {
    const orchestrator = start(['orchestrator']);
    const firstTrainer = start(['trainer', '--identity', 'trainer-a']);
    await Promise.all([orchestrator.ready, firstTrainer.ready]);

    const request = slowRequest('killed-trainer', 21);
    const handle = await client.workflow.start(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });
    const victim = await waitFor(
      async () => {
        const rows = await listTrials(database.db, request.searchId);
        const running = rows.find((r) => r.status === 'running');
        return running && (await listEpochs(database.db, running.id)).length >= 1 ? running : null;
      },
      120_000,
      'a trial to finish an epoch on trainer-a',
    );
    await firstTrainer.kill('SIGKILL');
    const secondTrainer = start(['trainer', '--identity', 'trainer-b']);
    await secondTrainer.ready;

    const summary = await handle.result();
    expect(summary.status).toBe('finished');
    const rows = await listTrials(database.db, request.searchId);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    const retried = rows.find((r) => r.id === victim.id)!;
    expect(retried.worker).toBe('trainer-b');
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    const epochs = await listEpochs(database.db, retried.id);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    await orchestrator.kill('SIGTERM');
  }, 300_000);

  it('finishes a search whose orchestrator was killed and restarted', async () => {
    const firstOrchestrator = start(['orchestrator']);
    const trainer = start(['trainer', '--identity', 'trainer-c']);
    await Promise.all([firstOrchestrator.ready, trainer.ready]);

    const request = slowRequest('killed-orchestrator', 22);
    const handle = await client.workflow.start(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: request.searchId,
      args: [request],
    });
    await waitFor(
      async () => (await listTrials(database.db, request.searchId)).some((r) => r.status === 'succeeded'),
      120_000,
      'a first finished trial',
    );
    await firstOrchestrator.kill('SIGKILL');
    const secondOrchestrator = start(['orchestrator']);
    await secondOrchestrator.ready;

    const summary = await handle.result();
    expect(summary.status).toBe('finished');
    const rows = await listTrials(database.db, request.searchId);
    expect(rows.map((r) => r.trialIndex).sort()).toEqual([0, 1, 2]);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
  }, 300_000);
});
