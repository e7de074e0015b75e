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
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import {
  DefaultLogger,
  Runtime,
  makeTelemetryFilterString,
  type LogLevel,
  type LogMetadata,
  type NativeConnection,
  type Worker,
} from '@temporalio/worker';
import { stableHash } from '../cells/hash';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { createOrchestratorWorker } from '../workers/orchestrator-worker';
import { DEFAULT_TRAINER_TASK_QUEUE, ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues';
import { createTrainerWorker } from '../workers/trainer-worker';
import { connectTemporal, startDevServer, type DevServer, type TemporalConnector } from './temporal/dev-server';
import type { BackendPreference } from '../workers/training/backend';
import { RequestError } from '../search/request';
import { stringFlag, type Flags } from '../cli/args';

export interface StackOptions {
  /** Become the embedded owner (start the dev server and in-process workers) when none runs. */
  own: boolean;
  backend?: BackendPreference;
  /** The in-process trainer's queue when the user named one; default: the stack's own. */
  trainerTaskQueue?: string;
  /** Trainings the in-process trainer runs at once (default 1). */
  trainerConcurrency?: number;
  log?: (line: string) => void;
}

interface OwnerRecord {
  pid: number;
  temporalAddress: string;
  databaseUrl: string;
  uiUrl: string;
}

export interface TaskQueues {
  orchestrator: string;
  trainer: string;
}

export interface Stack {
  mode: 'external' | 'owner' | 'attached' | 'offline';
  temporal: TemporalConnector | null;
  taskQueues: TaskQueues;
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

/**
 * A dev server may be shared (one a user started, or another NAS_HOME's): the embedded stack's
 * queues carry a tag of its NAS_HOME so its workers never take another stack's tasks.
 */
export function embeddedTaskQueues(home = nasHome()): TaskQueues {
  const tag = stableHash(resolve(home)).slice(0, 8);
  return { orchestrator: `${ORCHESTRATOR_TASK_QUEUE}-${tag}`, trainer: `${DEFAULT_TRAINER_TASK_QUEUE}-${tag}` };
}

const SHARED_TASK_QUEUES: TaskQueues = { orchestrator: ORCHESTRATOR_TASK_QUEUE, trainer: DEFAULT_TRAINER_TASK_QUEUE };

export async function openStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (process.env.TEMPORAL_ADDRESS) {
    return lazyStack('external', connectTemporal(), null, SHARED_TASK_QUEUES, () => openDatabase());
  }
  const owner = readOwner();
  if (owner) {
    const temporal = connectTemporal({ address: owner.temporalAddress, tls: false, apiKey: '' });
    // The owner's PGlite endpoint runs every connection on one session: one connection per client.
    const database = () =>
      process.env.DATABASE_URL ? openDatabase() : openDatabase({ url: owner.databaseUrl, maxConnections: 1, migrate: false });
    return lazyStack('attached', temporal, owner.uiUrl, embeddedTaskQueues(), database);
  }
  if (!options.own) {
    return lazyStack('offline', null, null, embeddedTaskQueues(), () => openDatabase());
  }
  return becomeOwner(options, log);
}

function lazyStack(
  mode: Stack['mode'],
  temporal: TemporalConnector | null,
  uiUrl: string | null,
  taskQueues: TaskQueues,
  open: () => Promise<DatabaseHandle>,
  extraClose: () => Promise<void> = async () => {},
): Stack {
  let client: Promise<Client> | undefined;
  let database: Promise<DatabaseHandle> | undefined;
  return {
    mode,
    temporal,
    uiUrl,
    taskQueues,
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

/** The SDK's warnings, minus the one a worker without workflows (the trainer) logs at start-up. */
class EmbeddedSdkLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!message.startsWith('No workflows registered, not polling for workflow tasks')) super.log(level, message, meta);
  }
}

/**
 * In-process workers share the user's terminal: the SDK's info lines (the workflow bundle report,
 * worker states) and the native core's warnings (a progress query answered late while a batch
 * trains) are dropped; the SDK's warnings and errors still print.
 */
function quietSdkLogs(): void {
  if (Runtime._instance) return;
  Runtime.install({
    logger: new EmbeddedSdkLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
}

async function becomeOwner(options: StackOptions, log: (line: string) => void): Promise<Stack> {
  mkdirSync(nasHome(), { recursive: true });
  quietSdkLogs();
  const devServer: DevServer = await startDevServer({ log });
  const temporal = connectTemporal({ address: devServer.address, namespace: devServer.namespace, tls: false, apiKey: '' });
  const handle = await openDatabase();
  const socket = process.env.DATABASE_URL ? null : await serveEmbeddedDatabase(handle);
  const taskQueues = embeddedTaskQueues();
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
    workers.push(await createOrchestratorWorker({ ...common, taskQueue: taskQueues.orchestrator }));
    workers.push(
      await createTrainerWorker({
        ...common,
        taskQueue: options.trainerTaskQueue ?? taskQueues.trainer,
        backend: options.backend,
        concurrency: options.trainerConcurrency,
        log,
      }),
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
  return lazyStack('owner', temporal, devServer.uiUrl, taskQueues, async () => handle, shutdown);
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

/**
 * Workflow tasks may wait behind a training batch when the trainer shares the orchestrator's
 * process (the embedded stack), so start commands allow them more than Temporal's default 10 s.
 */
export const WORKFLOW_TASK_TIMEOUT = '30 seconds';

/**
 * The stack a start command runs on (with --wait this process may own it), and the trainer
 * queue its request names: --task-queue, or the stack's own.
 */
export async function openStackToStart(
  flags: Flags,
  what: string,
  /** The request's parallelism: an embedded owner's in-process trainer runs that many trainings at once. */
  options: { parallel: number; namedQueue?: string },
): Promise<{ stack: Stack; trainerTaskQueue: string }> {
  const namedQueue = options.namedQueue ?? stringFlag(flags, 'task-queue');
  const stack = await openStack({
    own: flags.wait === true,
    backend: (stringFlag(flags, 'backend') ?? 'auto') as BackendPreference,
    trainerTaskQueue: namedQueue,
    trainerConcurrency: options.parallel,
  });
  if (stack.mode === 'offline') {
    await stack.close();
    throw new RequestError('--wait', `no embedded stack is running: add --wait to ${what} here, or start \`nas dev\` first`);
  }
  return { stack, trainerTaskQueue: namedQueue ?? stack.taskQueues.trainer };
}
