/**
 * Where the Temporal server and the database are, for one CLI invocation.
 *
 * - TEMPORAL_ADDRESS / DATABASE_URL set: those servers; workers run elsewhere (`nas worker`).
 * - Otherwise the embedded stack under NAS_HOME: the first process that needs it (`nas dev`, or
 *   `nas search start --wait`) becomes its owner: it starts the Temporal dev server, opens PGlite,
 *   serves that database on a local port for other `nas` processes, and runs in-process workers.
 *   Later processes find the owner in NAS_HOME/stack.json and attach to it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { createOrchestratorWorker } from '../workers/orchestrator-worker';
import { createTrainerWorker } from '../workers/trainer-worker';
import { connectTemporal, startDevServer, type DevServer, type TemporalConnector } from '../workers/temporal/dev-server';
import type { BackendPreference } from '../workers/training/backend';

export interface StackOptions {
  /** Become the embedded owner (start the dev server and in-process workers) when none runs. */
  own: boolean;
  backend?: BackendPreference;
  trainerTaskQueue?: string;
  log?: (line: string) => void;
}

interface OwnerRecord {
  pid: number;
  temporalAddress: string;
  databaseUrl: string;
  uiUrl: string;
}

export interface Stack {
  mode: 'external' | 'owner' | 'attached' | 'offline';
  temporal: TemporalConnector | null;
  uiUrl: string | null;
  client(): Promise<Client>;
  database(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

export function nasHome(): string {
  return process.env.NAS_HOME || '.nas';
}

function ownerFile(): string {
  return join(nasHome(), 'stack.json');
}

function readOwner(): OwnerRecord | null {
  if (!existsSync(ownerFile())) return null;
  try {
    const record = JSON.parse(readFileSync(ownerFile(), 'utf8')) as OwnerRecord;
    process.kill(record.pid, 0);
    return record;
  } catch {
    return null;
  }
}

export async function openStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (process.env.TEMPORAL_ADDRESS) {
    return lazyStack('external', connectTemporal(), null, () => openDatabase());
  }
  const owner = readOwner();
  if (owner) {
    const temporal = connectTemporal({ address: owner.temporalAddress, tls: false, apiKey: '' });
    // The owner's PGlite endpoint runs every connection on one session: one connection per client.
    const database = () =>
      process.env.DATABASE_URL ? openDatabase() : openDatabase({ url: owner.databaseUrl, maxConnections: 1, migrate: false });
    return lazyStack('attached', temporal, owner.uiUrl, database);
  }
  if (!options.own) {
    return lazyStack('offline', null, null, () => openDatabase());
  }
  return becomeOwner(options, log);
}

function lazyStack(
  mode: Stack['mode'],
  temporal: TemporalConnector | null,
  uiUrl: string | null,
  open: () => Promise<DatabaseHandle>,
  extraClose: () => Promise<void> = async () => {},
): Stack {
  let client: Promise<Client> | undefined;
  let database: Promise<DatabaseHandle> | undefined;
  return {
    mode,
    temporal,
    uiUrl,
    client() {
      if (!temporal) {
        throw new Error('no Temporal server: the embedded stack is not running; start it with `nas dev` or set TEMPORAL_ADDRESS');
      }
      client ??= temporal.clientConnection().then((connection) => new Client({ connection, namespace: temporal.namespace }));
      return client;
    },
    database() {
      database ??= open();
      return database;
    },
    async close() {
      if (client) await (await client).connection.close();
      await extraClose();
      if (database) await (await database).close();
    },
  };
}

async function becomeOwner(options: StackOptions, log: (line: string) => void): Promise<Stack> {
  mkdirSync(nasHome(), { recursive: true });
  const devServer: DevServer = await startDevServer({ log });
  const temporal = connectTemporal({ address: devServer.address, namespace: devServer.namespace, tls: false, apiKey: '' });
  const handle = await openDatabase();
  const socket = process.env.DATABASE_URL ? null : await serveEmbeddedDatabase(handle);
  const workers: Worker[] = [];
  let connection: NativeConnection | undefined;
  const record: OwnerRecord = {
    pid: process.pid,
    temporalAddress: devServer.address,
    databaseUrl: socket?.url ?? process.env.DATABASE_URL!,
    uiUrl: devServer.uiUrl,
  };
  writeFileSync(ownerFile(), JSON.stringify(record, null, 2));
  const release = () => {
    if (readOwner()?.pid === process.pid) rmSync(ownerFile(), { force: true });
  };
  process.once('exit', release);

  try {
    connection = await temporal.workerConnection();
    const common = { connection, namespace: temporal.namespace, db: handle.db };
    workers.push(await createOrchestratorWorker(common));
    workers.push(
      await createTrainerWorker({ ...common, taskQueue: options.trainerTaskQueue, backend: options.backend, log }),
    );
  } catch (err) {
    release();
    await socket?.stop();
    await handle.close();
    await devServer.stop();
    throw err;
  }
  const running = workers.map((worker) => worker.run());

  const shutdown = async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(running);
    await connection?.close();
    await socket?.stop();
    release();
    await devServer.stop();
  };
  const stack = lazyStack('owner', temporal, devServer.uiUrl, async () => handle, shutdown);
  return stack;
}

/** Serves the in-process PGlite to other local `nas` processes as a Postgres endpoint. */
async function serveEmbeddedDatabase(handle: DatabaseHandle): Promise<{ url: string; stop(): Promise<void> } | null> {
  if (!handle.pglite) return null;
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const port = await freePort();
  const server = new PGLiteSocketServer({ db: handle.pglite, host: '127.0.0.1', port, maxConnections: 16 });
  await server.start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
