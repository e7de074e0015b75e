import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { RequestError } from '../contracts/request-error.ts';
import { createPglite } from './pglite-create.ts';
import { isNewDataDir, migratedTemplate, migratedTemplateDataDir } from './pglite-template.ts';
import * as schema from './schema.ts';
import { SettingError } from '../contracts/refusal.ts';

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
   * Without migrating, refuse a database that lacks this version's schema with a line naming
   * `nas db migrate`, and never create an embedded one: what commands that only read need.
   */
  requireSchema?: boolean;
  /** Postgres pool size (default 10). */
  maxConnections?: number;
  /**
   * What `url` is, for error lines (default DATABASE_URL). The embedded stack's endpoint is one
   * PGlite session: its clients use unnamed statements only, so no statement outlives a query.
   */
  endpoint?: 'DATABASE_URL' | 'embedded';
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
  const schema: SchemaStep = (options.migrate ?? true) ? 'migrate' : options.requireSchema ? 'require' : 'as-is';
  return url
    ? openPostgres(url, schema, options.maxConnections ?? 10, options.endpoint ?? 'DATABASE_URL')
    : openPglite(options.dataDir ?? defaultDataDir(), schema);
}

type SchemaStep = 'migrate' | 'require' | 'as-is';

export function defaultDataDir(): string {
  return `${process.env.NAS_HOME || '.nas'}/pglite`;
}

const migrateEmpty = (empty: PGlite) =>
  migratePglite(drizzlePglite({ client: empty, schema }), { migrationsFolder: MIGRATIONS_FOLDER });

/**
 * The empty migrated database new embedded databases start from (db/pglite-template.ts), as a data
 * directory on disk, or null when the cache cannot hold it.
 */
export function emptyDatabaseTemplateDataDir(): Promise<string | null> {
  return migratedTemplateDataDir(MIGRATIONS_FOLDER, migrateEmpty);
}

/**
 * Makes a new database on disk a copy of the template's data directory (whole or not at all: a
 * full disk leaves no half-copied database); otherwise returns the tarball to load.
 */
async function seedNewDatabase(dataDir: string, onDisk: boolean): Promise<Blob | undefined> {
  const template = onDisk ? await emptyDatabaseTemplateDataDir() : null;
  if (!template) return migratedTemplate(MIGRATIONS_FOLDER, migrateEmpty);
  const partial = `${dataDir}.${process.pid}.partial`;
  try {
    cpSync(template, partial, { recursive: true });
    renameSync(partial, dataDir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return undefined;
}

async function openPglite(dataDir: string, schemaStep: SchemaStep): Promise<DatabaseHandle> {
  const onDisk = !dataDir.includes('://');
  if (onDisk && schemaStep === 'require' && !existsSync(dataDir)) {
    throw new RequestError(
      'NAS_HOME',
      `no results database in ${dataDir} yet: start a search there, or run \`nas db migrate\``,
    );
  }
  const loadDataDir =
    schemaStep === 'migrate' && isNewDataDir(dataDir) ? await seedNewDatabase(dataDir, onDisk) : undefined;
  if (onDisk) mkdirSync(dataDir, { recursive: true });
  const client = await createPglite(dataDir, { loadDataDir });
  const db = drizzlePglite({ client, schema });
  try {
    if (schemaStep === 'migrate') await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    if (schemaStep === 'require') await requireCurrentSchema(db, `the results database in ${dataDir}`, 'NAS_HOME');
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
    throw new SettingError(
      'DATABASE_URL: malformed URL; expected postgres://user[:password]@host[:port]/database, ' +
        'or unset DATABASE_URL to use the embedded PGlite',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new SettingError(
      `DATABASE_URL: unsupported scheme '${parsed.protocol}'; allowed: postgres:, postgresql: ` +
        '(or unset DATABASE_URL to use the embedded PGlite)',
    );
  }
  let database: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    throw new RequestError('DATABASE_URL', 'malformed percent-escape in the URL; write a literal % as %25');
  }
  return { host: parsed.hostname || 'localhost', port: parsed.port || '5432', database };
}

/** Turns a connection failure into a message that names DATABASE_URL, the server tried and the fix. */
function connectionError(error: unknown, address: ServerAddress): SettingError {
  const where = `${address.host}:${address.port}`;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '3D000') {
    return new SettingError(
      `DATABASE_URL: database "${address.database}" does not exist on ${where}; ` +
        `create it (createdb -h ${address.host} -p ${address.port} ${address.database}) or point DATABASE_URL at an existing one`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new SettingError(
      `DATABASE_URL: ${where} rejected the credentials (${message}); fix the user/password in DATABASE_URL`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new SettingError(
      `DATABASE_URL: cannot resolve host "${address.host}" (${code}); fix the host in DATABASE_URL or unset it to use the embedded PGlite`,
    );
  }
  const reason = code && !/^[0-9A-Z]{5}$/.test(code) ? code : message;
  return new SettingError(
    `DATABASE_URL: cannot connect to ${where} (${reason}); start Postgres or unset DATABASE_URL to use the embedded PGlite`,
  );
}

function connect(url: string, max: number, endpoint: OpenDatabaseOptions['endpoint'] = 'DATABASE_URL') {
  return postgres(url, {
    max,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    onnotice: () => {},
    prepare: endpoint !== 'embedded',
  });
}

async function openPostgres(
  url: string,
  schemaStep: SchemaStep,
  maxConnections: number,
  endpoint: NonNullable<OpenDatabaseOptions['endpoint']>,
): Promise<DatabaseHandle> {
  const address = parseServerUrl(url);
  if (schemaStep === 'migrate') await migrateServer(url, address);
  const client = connect(url, maxConnections, endpoint);
  const db = drizzlePostgres({ client, schema });
  try {
    try {
      await client`select 1`;
    } catch (error) {
      throw endpoint === 'embedded' ? embeddedEndpointError(error) : connectionError(error, address);
    }
    if (schemaStep === 'require')
      await requireCurrentSchema(
        db,
        `the database at ${address.host}:${address.port}/${address.database}`,
        'DATABASE_URL',
      );
  } catch (error) {
    await client.end({ timeout: 0 });
    throw error;
  }
  return { db, driver: 'postgres', close: () => client.end({ timeout: 5 }) };
}

function embeddedEndpointError(error: unknown): Error {
  const reason = (error as { code?: string }).code ?? (error as Error).message;
  return new RequestError(
    'NAS_HOME',
    `the embedded stack's database endpoint did not answer (${reason}); is its owner (\`nas dev\`) still running?`,
  );
}

const MIGRATION_JOURNAL = fileURLToPath(new URL('./migrations/meta/_journal.json', import.meta.url));

/** The newest migration's timestamp, as drizzle records it in drizzle.__drizzle_migrations.created_at. */
function newestMigration(): number {
  const journal = JSON.parse(readFileSync(MIGRATION_JOURNAL, 'utf8')) as { entries: Array<{ when: number }> };
  return Math.max(...journal.entries.map((entry) => entry.when));
}

/** Refuses a database without this version's schema, naming the fix; creates nothing. */
async function requireCurrentSchema(db: Database, what: string, field: string): Promise<void> {
  const first = async <T>(query: ReturnType<typeof sql>): Promise<T | undefined> => {
    const result = (await db.execute(query)) as unknown as { rows?: T[] } & T[];
    return (result.rows ?? result)[0];
  };
  const journal = await first<{ present: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  const newest = journal?.present
    ? (
        await first<{ newest: string | null }>(
          sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`,
        )
      )?.newest
    : null;
  if (newest == null) throw new RequestError(field, `${what} has no nas schema: run \`nas db migrate\` first`);
  if (Number(newest) < newestMigration()) {
    throw new RequestError(field, `${what} has an older nas schema: run \`nas db migrate\` to update it`);
  }
}

/** A database holding tables of our names that nas did not create is somebody else's: touch nothing. */
async function refuseForeignTables(db: Database, address: ServerAddress): Promise<void> {
  const rows = (await db.execute(
    sql`select string_agg(table_name, ', ') as names from information_schema.tables
        where table_schema = 'public' and table_name in ('searches', 'trials', 'architectures', 'protocols')
          and to_regclass('drizzle.__drizzle_migrations') is null`,
  )) as unknown as Array<{ names: string | null }>;
  const names = rows[0]?.names;
  if (names) {
    throw new RequestError(
      'DATABASE_URL',
      `database "${address.database}" already has tables nas did not create (${names}); point DATABASE_URL at an empty database`,
    );
  }
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
    await refuseForeignTables(db, address);
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
