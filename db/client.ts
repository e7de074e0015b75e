import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
/** A drizzle database over our schema, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Driver = 'postgres' | 'pglite';

export interface OpenDatabaseOptions {
  /** Postgres connection URL; defaults to DATABASE_URL. Absent or '': embedded PGlite. */
  url?: string;
  /** PGlite data directory; default `${NAS_HOME ?? '.nas'}/pglite`; 'memory://' keeps it in memory. */
  dataDir?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /**
   * Postgres pool size (default 10). Use 1 against a pglite-socket endpoint: it runs every
   * connection on one PGlite session, so messages of concurrent connections would interleave.
   */
  maxConnections?: number;
}

export interface DatabaseHandle {
  db: Database;
  driver: Driver;
  /** The in-process PGlite, when that is the driver (the embedded stack serves it to other processes). */
  pglite?: PGlite;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
const CONNECT_TIMEOUT_SECONDS = 5;
/** Serialises migrations of processes starting together against one server. */
const MIGRATION_LOCK_KEY = 727_011_001;

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  const url = options.url ?? (process.env.DATABASE_URL || undefined);
  const runMigrations = options.migrate ?? true;
  return url
    ? openPostgres(url, runMigrations, options.maxConnections ?? 10)
    : openPglite(options.dataDir ?? defaultDataDir(), runMigrations);
}

export function defaultDataDir(): string {
  return `${process.env.NAS_HOME || '.nas'}/pglite`;
}

async function openPglite(dataDir: string, runMigrations: boolean): Promise<DatabaseHandle> {
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite({ client, schema });
  try {
    if (runMigrations) await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await client.close();
    throw error;
  }
  return { db, driver: 'pglite', pglite: client, close: () => client.close() };
}

interface ServerAddress {
  host: string;
  port: string;
  database: string;
}

function parseServerUrl(url: string): ServerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      'DATABASE_URL: malformed URL; expected postgres://user[:password]@host[:port]/database, ' +
        'or unset DATABASE_URL to use the embedded PGlite',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(
      `DATABASE_URL: unsupported scheme '${parsed.protocol}'; allowed: postgres:, postgresql: ` +
        '(or unset DATABASE_URL to use the embedded PGlite)',
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return { host: parsed.hostname || 'localhost', port: parsed.port || '5432', database };
}

/** Turns a connection failure into a message that names DATABASE_URL, the server tried and the fix. */
function connectionError(error: unknown, address: ServerAddress): Error {
  const where = `${address.host}:${address.port}`;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '3D000') {
    return new Error(
      `DATABASE_URL: database "${address.database}" does not exist on ${where}; ` +
        `create it (createdb -h ${address.host} -p ${address.port} ${address.database}) or point DATABASE_URL at an existing one`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new Error(`DATABASE_URL: ${where} rejected the credentials (${message}); fix the user/password in DATABASE_URL`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new Error(
      `DATABASE_URL: cannot resolve host "${address.host}" (${code}); fix the host in DATABASE_URL or unset it to use the embedded PGlite`,
    );
  }
  const reason = code && !/^[0-9A-Z]{5}$/.test(code) ? code : message;
  return new Error(
    `DATABASE_URL: cannot connect to ${where} (${reason}); start Postgres or unset DATABASE_URL to use the embedded PGlite`,
  );
}

function connect(url: string, max: number) {
  return postgres(url, { max, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} });
}

async function openPostgres(url: string, runMigrations: boolean, maxConnections: number): Promise<DatabaseHandle> {
  const address = parseServerUrl(url);
  if (runMigrations) await migrateServer(url, address);
  const client = connect(url, maxConnections);
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 0 });
    throw connectionError(error, address);
  }
  const db = drizzlePostgres({ client, schema });
  return { db, driver: 'postgres', close: () => client.end({ timeout: 5 }) };
}

/** Migrates on one dedicated connection holding an advisory lock, so concurrent starters do not race. */
async function migrateServer(url: string, address: ServerAddress): Promise<void> {
  const client = connect(url, 1);
  try {
    try {
      await client`select 1`;
    } catch (error) {
      throw connectionError(error, address);
    }
    const db = drizzlePostgres({ client, schema });
    await db.execute(sql.raw(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`));
    try {
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await db.execute(sql.raw(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`));
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}
