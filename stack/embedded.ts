/**
 * Where the Temporal server and the database are, for one CLI invocation.
 *
 * - TEMPORAL_ADDRESS set: that server; workers run elsewhere (`nas worker`); DATABASE_URL or PGlite.
 * - Otherwise the embedded stack of NAS_HOME, which has one owner at a time (stack/home-lock.ts).
 *   The first process that needs the stack (`nas dev`, or a command with `--wait`) takes the
 *   home's lock and becomes its owner: it starts a Temporal dev server that dies with it, opens
 *   PGlite (or DATABASE_URL), serves that database to other `nas` processes on a loopback port
 *   with the home's password, and runs in-process workers. Other processes attach to it. With no
 *   owner, a command that only reads takes the lock for as long as it uses the database.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { stableHash } from '../contracts/hash.ts';
import { RequestError } from '../contracts/request-error.ts';
import { SettingError } from '../contracts/refusal.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { DEFAULT_TRAINER_TASK_QUEUE, ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import type { TrainerBackend } from '../workers/trainer-worker.ts';
import { ENDPOINT_USER } from './database-endpoint.ts';
import {
  attachOwner,
  lockHome,
  prepareHome,
  readOwner,
  type HomeLock,
  type OwnerRecord,
  type OwnerSession,
} from './home-lock.ts';
import { homeSecret } from './home-secret.ts';
import { connectTemporal, type TemporalConnector } from './temporal/dev-server.ts';

export interface StackOptions {
  /** Become the embedded owner (start the dev server and in-process workers) when none runs. */
  own: boolean;
  backend?: TrainerBackend;
  /** The in-process trainer's queue when the user named one; default: the stack's own. */
  trainerTaskQueue?: string;
  /** Trainings the in-process trainer runs at once (default 1). */
  trainerConcurrency?: number;
  /** Threads each training of the in-process trainer computes on (`--threads`); default 1. */
  trainerThreads?: number;
  /** Apply pending migrations (`nas db migrate`); an owner always does. Others refuse an outdated schema. */
  migrate?: boolean;
  log?: (line: string) => void;
}

export interface TaskQueues {
  orchestrator: string;
  trainer: string;
}

export interface Stack {
  /** offline: no Temporal server; the database alone, this process holding the home's lock. */
  mode: 'external' | 'owner' | 'attached' | 'offline';
  temporal: TemporalConnector | null;
  taskQueues: TaskQueues;
  uiUrl: string | null;
  /** Other `nas` commands attached to this owner, each proved to be this user's (0 unless this process owns the stack). */
  attachedCommands(): number;
  client(): Promise<Client>;
  database(): Promise<DatabaseHandle>;
  /** Rejects when this process owns the stack and can no longer record results (a full disk); never settles otherwise. */
  failure(): Promise<never>;
  close(): Promise<void>;
}

export function nasHome(): string {
  return process.env.NAS_HOME || '.nas';
}

/**
 * A dev server may be shared (one a user started): the embedded stack's queues carry a tag of
 * its NAS_HOME so its workers never take another stack's tasks.
 */
export function embeddedTaskQueues(home = nasHome()): TaskQueues {
  // One home, one tag, whatever path (a symlink, a relative path) leads to it.
  const tag = stableHash(existsSync(home) ? prepareHome(home) : resolve(home)).slice(0, 8);
  return { orchestrator: `${ORCHESTRATOR_TASK_QUEUE}-${tag}`, trainer: `${DEFAULT_TRAINER_TASK_QUEUE}-${tag}` };
}

const SHARED_TASK_QUEUES: TaskQueues = { orchestrator: ORCHESTRATOR_TASK_QUEUE, trainer: DEFAULT_TRAINER_TASK_QUEUE };

const OWNER_ACTIVITY: Record<OwnerRecord['state'], string> = {
  starting: 'starting the stack of',
  ready: 'serving',
  stopping: 'stopping the stack of',
  database: 'using the database of',
};

/** How long a command waits for another process that is starting the stack or briefly holds the database. */
const OWNER_WAIT_MS = 120_000;

export async function openStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (process.env.TEMPORAL_ADDRESS) {
    const migrate = options.own || options.migrate === true;
    return lazyStack('external', connectTemporal(), null, SHARED_TASK_QUEUES, () =>
      openDatabase({ migrate, requireSchema: true }),
    );
  }
  const home = nasHome();
  prepareHome(home);
  const deadline = Date.now() + OWNER_WAIT_MS;
  let waitingFor = 0;
  for (;;) {
    const session = await attachOwner(home);
    const owner = session?.record ?? null;
    if (session && owner?.state === 'ready') return attach(home, session);
    session?.close();
    if (!owner) {
      const lock = await lockHome(home);
      if (lock) return options.own ? becomeOwner(home, lock, options, log) : offline(lock, options.migrate === true);
      if (Date.now() > deadline)
        throw new RequestError(
          'NAS_HOME',
          `a process holds the lock of ${home} but has not answered on it for ${OWNER_WAIT_MS / 1000} s; stop it, or use another NAS_HOME`,
        );
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (Date.now() > deadline) {
      throw new RequestError(
        'NAS_HOME',
        `process ${owner.pid} has held ${home} for ${OWNER_WAIT_MS / 1000} s without serving it; try again, or stop it`,
      );
    }
    if (waitingFor !== owner.pid) {
      waitingFor = owner.pid;
      log(`waiting for process ${owner.pid}, which is ${OWNER_ACTIVITY[owner.state]} ${home}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The worker SDK, the workflow bundle and tfjs load only in the process that owns the stack. */
async function becomeOwner(home: string, lock: HomeLock, options: StackOptions, log: (line: string) => void) {
  const owner = await import('./owner.ts');
  return owner.becomeOwner(home, lock, options, log);
}

/** The owner's endpoint URL, with the home's password: only ever in memory. */
function endpointUrl(home: string, port: number): string {
  return `postgres://${ENDPOINT_USER}:${encodeURIComponent(homeSecret(home))}@127.0.0.1:${port}/postgres`;
}

/** The running owner's endpoint URL (benchmarks connect with it), or null when no owner serves one. */
export async function attachedDatabaseUrl(home = nasHome()): Promise<string | null> {
  const owner = await readOwner(home);
  return owner?.state === 'ready' && owner.databasePort !== undefined ? endpointUrl(home, owner.databasePort) : null;
}

function attach(home: string, session: OwnerSession): Stack {
  const owner = session.record;
  const temporal = connectTemporal({ address: owner.temporalAddress!, tls: false, apiKey: '' });
  let fallback: Stack | null = null;
  const database = async (): Promise<DatabaseHandle> => {
    if (owner.databasePort === undefined) return openDatabase({ migrate: false, requireSchema: true });
    try {
      const url = endpointUrl(home, owner.databasePort);
      return await openDatabase({ url, maxConnections: 1, migrate: false, requireSchema: true, endpoint: 'embedded' });
    } catch (error) {
      // The owner stopped between telling where it is and this connection: read the database as it is now.
      if ((await readOwner(home))?.pid === owner.pid) throw error;
      fallback = await openStack({ own: false });
      // Closed with the fallback stack, which then releases the home's lock.
      return { ...(await fallback.database()), close: async () => {} };
    }
  };
  return lazyStack('attached', temporal, owner.uiUrl ?? null, embeddedTaskQueues(), database, async () => {
    session.close();
    await fallback?.close();
  });
}

function offline(lock: HomeLock, migrate: boolean): Stack {
  lock.publish({ pid: process.pid, state: 'database' });
  return lazyStack(
    'offline',
    null,
    null,
    embeddedTaskQueues(),
    () => openDatabase({ migrate, requireSchema: true }),
    () => lock.release(),
  );
}

export function lazyStack(
  mode: Stack['mode'],
  temporal: TemporalConnector | null,
  uiUrl: string | null,
  taskQueues: TaskQueues,
  open: () => Promise<DatabaseHandle>,
  /** Runs last in close(): the offline stack's lock release, the owner's whole shutdown. */
  extraClose: () => Promise<void> = async () => {},
  /** The owner's database is closed by its shutdown, after its workers stopped. */
  closesDatabaseItself = false,
  attachedCommands: () => number = () => 0,
  failure: Promise<never> = new Promise<never>(() => {}),
): Stack {
  let client: Promise<Client> | undefined;
  let database: Promise<DatabaseHandle> | undefined;
  let closing: Promise<void> | undefined;
  let failed = false;
  failure.catch(() => (failed = true));
  return {
    mode,
    temporal,
    uiUrl,
    taskQueues,
    attachedCommands,
    failure: () => failure,
    client() {
      if (!temporal) {
        throw new RequestError(
          'NAS_HOME',
          `no stack runs in ${nasHome()}: start it with \`nas dev\`, or set TEMPORAL_ADDRESS`,
        );
      }
      client ??= temporal.clientConnection().then(
        async (connection) => {
          const { Client } = await import('@temporalio/client');
          return new Client({ connection, namespace: temporal.namespace });
        },
        (error: unknown) => {
          if (mode !== 'external' || error instanceof SettingError) throw error;
          const reason = (error as Error).message.split('\n')[0].slice(0, 120);
          throw new RequestError(
            'TEMPORAL_ADDRESS',
            `no Temporal frontend answers at ${temporal.address} (${reason}); fix TEMPORAL_ADDRESS or unset it to use the embedded stack`,
          );
        },
      );
      return client;
    },
    database() {
      database ??= open();
      return database;
    },
    close() {
      // Once: a command may close a stack it replaced (resume's offline stack) again in its finally.
      closing ??= (async () => {
        // After a failure, calls still in flight (a result long-poll) would throw from their retry
        // timers on a closed connection; the process is about to end, which closes it.
        if (client && !failed) await (await client).connection.close();
        // A database that failed to open (its error already went to the caller) has nothing to close.
        if (database && !closesDatabaseItself) await (await database.catch(() => null))?.close();
        await extraClose();
      })();
      return closing;
    },
  };
}
