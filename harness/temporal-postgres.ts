/**
 * A real Temporal server persisting to throwaway databases on the local Postgres server
 * (scripts/temporal-postgres.sh), for tests and benchmarks that restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { canOpenTcp } from '../stack/temporal/connect.ts';
import { resolveTemporalCli } from '../stack/temporal/cli-binary.ts';
import { TEST_SERVER_URL } from './postgres-database.ts';

const SCRIPT = fileURLToPath(new URL('../scripts/temporal-postgres.sh', import.meta.url));

/** Ports the script derives from its frontend port P (see write_config in the script). */
const PORT_OFFSETS = [0, 1, 2, 6, 10, -300, -299, -298, -294];

async function freeBasePort(): Promise<number> {
  for (let base = 21_000 + (process.pid % 400) * 20; base < 60_000; base += 97) {
    const taken = await Promise.all(PORT_OFFSETS.map((offset) => canOpenTcp('127.0.0.1', base + offset, 300)));
    if (!taken.some(Boolean)) return base;
  }
  throw new Error('no free port range for the Temporal server');
}

export interface TemporalOnPostgres {
  address: string;
  /** The database holding workflow executions. */
  database: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and databases; resolves once it serves. */
  start(): Promise<void>;
  /** Stops it and drops its databases. */
  destroy(): Promise<void>;
}

export async function startTemporalOnPostgres(nasHome: string): Promise<TemporalOnPostgres> {
  const port = await freeBasePort();
  const suffix = `${process.pid}_${Date.now()}`;
  const databases = [`temporal_t_${suffix}`, `temporal_vis_t_${suffix}`];
  const server = new URL(TEST_SERVER_URL);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_PORT: String(port),
    TEMPORAL_DB: databases[0],
    TEMPORAL_VISIBILITY_DB: databases[1],
    TEMPORAL_PG_HOST: server.hostname,
    TEMPORAL_PG_PORT: server.port || '5432',
    TEMPORAL_PG_USER: decodeURIComponent(server.username) || 'postgres',
    TEMPORAL_PG_PASSWORD: decodeURIComponent(server.password),
    TEMPORAL_CLI: await resolveTemporalCli({ log: () => {} }),
    NAS_HOME: nasHome,
  };
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const start = async () => {
    child = await spawnServer(env);
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    database: databases[0],
    stop,
    start,
    async destroy() {
      await stop();
      const admin = postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} });
      try {
        for (const name of databases) await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

function spawnServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn('bash', [SCRIPT, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/serving at/.test(output)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`temporal-postgres.sh exited (${code}) before serving:\n${output.slice(-4000)}`)),
    );
  });
}

/** Workflow executions of `workflowId` stored in the server's Postgres database. */
export async function countStoredExecutions(temporal: TemporalOnPostgres, workflowId: string): Promise<number> {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${temporal.database}`;
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select count(*)::int as n from executions where workflow_id = ${workflowId}`;
    return rows[0].n as number;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
