/**
 * A new home's embedded database is a copy of the cached, migrated template's data directory, and
 * nothing written to one home reaches the template or the next home. Without a writable cache a
 * new database is still made (from scratch).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyDatabaseTemplateDataDir, openDatabase } from '../db/client.ts';

const root = mkdtempSync(join(tmpdir(), 'nas-pglite-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function tables(dataDir: string): Promise<string[]> {
  const { db, close } = await openDatabase({ url: '', dataDir });
  try {
    const result = (await db.execute(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
    )) as unknown as { rows: Array<{ name: string }> };
    return result.rows.map((row) => row.name);
  } finally {
    await close();
  }
}

describe('a new embedded database', () => {
  it('starts as a copy of the migrated template, and a home writes only to its own copy', async () => {
    const template = await emptyDatabaseTemplateDataDir();
    expect(template).not.toBeNull();
    const first = join(root, 'first', 'pglite');
    const empty = await tables(first);
    expect(empty).toContain('searches');

    const { db, close } = await openDatabase({ url: '', dataDir: first });
    await db.execute(sql`create table written_by_first_home (x int)`);
    await close();
    expect(await tables(first)).toContain('written_by_first_home');

    expect(await tables(join(root, 'second', 'pglite'))).toEqual(empty);
    expect(await tables(template!)).toEqual(empty);
  }, 60_000);

  it('is made without the cache when the cache cannot be written', async () => {
    const blocked = join(root, 'not-a-folder');
    writeFileSync(blocked, '');
    const cache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = blocked;
    try {
      expect(await emptyDatabaseTemplateDataDir()).toBeNull();
      const dataDir = join(root, 'uncached', 'pglite');
      expect(await tables(dataDir)).toContain('searches');
      expect(readdirSync(dataDir)).toContain('PG_VERSION');
    } finally {
      if (cache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = cache;
    }
  }, 120_000);
});
