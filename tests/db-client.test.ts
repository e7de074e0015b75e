import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { getSearch } from '../db/queries/searches.ts';
import { createPostgresTestDatabase, TEST_SERVER_URL } from './support/db-helpers.ts';
import { createSearch } from './support/db-fixtures.ts';

const TABLES = [
  'architectures',
  'checkpoints',
  'estimator_scores',
  'protocols',
  'scaling_points',
  'scaling_studies',
  'searches',
  'trial_epochs',
  'trial_weights',
  'trials',
];

async function tableNames(db: Database): Promise<string[]> {
  const rows = await db
    .select({ name: sql<string>`table_name` })
    .from(sql`information_schema.tables`)
    .where(sql`table_schema = 'public'`)
    .orderBy(sql`table_name`);
  return rows.map((r) => r.name);
}

describe('openDatabase', () => {
  const savedUrl = process.env.DATABASE_URL;
  afterEach(() => {
    if (savedUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedUrl;
  });

  it('migrates a fresh Postgres database, and opening it again keeps the data', async () => {
    const handle = await createPostgresTestDatabase();
    try {
      expect(handle.driver).toBe('postgres');
      expect(await tableNames(handle.db)).toEqual(TABLES);
      await createSearch(handle.db, 'kept');
      process.env.DATABASE_URL = handle.url;
      const again = await openDatabase();
      try {
        expect(again.driver).toBe('postgres');
        expect((await getSearch(again.db, 'kept'))?.status).toBe('running');
      } finally {
        await again.close();
      }
    } finally {
      await handle.close();
    }
  });

  it('lets processes that start together migrate one fresh database without racing', async () => {
    const bare = await createPostgresTestDatabase({ migrate: false });
    try {
      expect(await tableNames(bare.db)).toEqual([]);
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ url: bare.url })));
      await Promise.all(opened.map((h) => h.close()));
      expect(await tableNames(bare.db)).toEqual(TABLES);
    } finally {
      await bare.close();
    }
  });

  it('uses PGlite in a data directory when DATABASE_URL is unset, and re-opening keeps the data', async () => {
    delete process.env.DATABASE_URL;
    const dir = mkdtempSync(join(tmpdir(), 'nas-pglite-'));
    try {
      const first = await openDatabase({ dataDir: join(dir, 'nested', 'pglite') });
      expect(first.driver).toBe('pglite');
      expect(await tableNames(first.db)).toEqual(TABLES);
      await createSearch(first.db, 'kept');
      await first.close();
      const second = await openDatabase({ dataDir: join(dir, 'nested', 'pglite') });
      try {
        expect((await getSearch(second.db, 'kept'))?.kind).toBe('search');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names DATABASE_URL, the address tried and the fix when the server is unreachable', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/x';
    await expect(openDatabase()).rejects.toThrow(
      'DATABASE_URL: cannot connect to 127.0.0.1:1 (ECONNREFUSED); start Postgres or unset DATABASE_URL to use the embedded PGlite',
    );
  });

  it('names a host that does not resolve', async () => {
    await expect(openDatabase({ url: 'postgres://postgres@no-such-host.invalid:5432/x' })).rejects.toThrow(
      'DATABASE_URL: cannot resolve host "no-such-host.invalid" (ENOTFOUND); fix the host in DATABASE_URL',
    );
  });

  it('rejects a malformed DATABASE_URL and an unsupported scheme', async () => {
    await expect(openDatabase({ url: 'not a url' })).rejects.toThrow(
      /^DATABASE_URL: malformed URL; expected postgres:\/\//,
    );
    await expect(openDatabase({ url: 'mysql://root@127.0.0.1/x' })).rejects.toThrow(
      "DATABASE_URL: unsupported scheme 'mysql:'; allowed: postgres:, postgresql:",
    );
  });

  it('says which database is missing on a reachable server', async () => {
    const url = new URL(TEST_SERVER_URL);
    url.pathname = '/nas_no_such_database';
    await expect(openDatabase({ url: url.toString() })).rejects.toThrow(
      `DATABASE_URL: database "nas_no_such_database" does not exist on ${url.hostname}:${url.port || '5432'}`,
    );
  });

  it('lets a reader refuse a database without the schema, naming nas db migrate, and create nothing', async () => {
    const bare = await createPostgresTestDatabase({ migrate: false });
    try {
      await expect(openDatabase({ url: bare.url, migrate: false, requireSchema: true })).rejects.toThrow(
        /^DATABASE_URL: the database at .* has no nas schema: run `nas db migrate` first$/,
      );
      const [{ n }] = (await bare.db.execute(
        sql`select count(*)::int as n from information_schema.schemata where schema_name = 'drizzle'`,
      )) as unknown as Array<{ n: number }>;
      expect(n).toBe(0);
      const migrated = await openDatabase({ url: bare.url });
      await migrated.close();
      const reader = await openDatabase({ url: bare.url, migrate: false, requireSchema: true });
      await reader.close();
    } finally {
      await bare.close();
    }
  });

  it("refuses to migrate a database that holds another application's trials table, creating nothing", async () => {
    const foreign = await createPostgresTestDatabase({ migrate: false });
    try {
      await foreign.db.execute(sql`create table trials (id int)`);
      await expect(openDatabase({ url: foreign.url })).rejects.toThrow(
        /^DATABASE_URL: database "nas_test_.*" already has tables nas did not create \(trials\); point DATABASE_URL at an empty database$/,
      );
      expect(await tableNames(foreign.db)).toEqual(['trials']);
    } finally {
      await foreign.close();
    }
  });

  it('never creates an embedded database for a reader', async () => {
    delete process.env.DATABASE_URL;
    const dir = mkdtempSync(join(tmpdir(), 'nas-pglite-'));
    try {
      await expect(openDatabase({ dataDir: join(dir, 'pglite'), migrate: false, requireSchema: true })).rejects.toThrow(
        `NAS_HOME: no results database in ${join(dir, 'pglite')} yet`,
      );
      expect(existsSync(join(dir, 'pglite'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a bad percent-escape in DATABASE_URL in one line', async () => {
    await expect(openDatabase({ url: 'postgres://postgres:50%zz@127.0.0.1:5432/x' })).rejects.toThrow(
      /^DATABASE_URL: malformed percent-escape/,
    );
  });
});
