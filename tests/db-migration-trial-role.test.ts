/**
 * Migration 0002 on a database holding trials from before it: every row gets the role its search
 * kind means (a baselines run: 'baseline'; a search or scaling study: 'search') and the protocol's
 * seed as its repeat seed, so reuse and leaderboards read the old rows as before (PGlite).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, expect, it } from 'vitest';

const MIGRATIONS = fileURLToPath(new URL('../db/migrations', import.meta.url));
const before = mkdtempSync(join(tmpdir(), 'nas-migrations-'));
afterAll(() => rmSync(before, { recursive: true, force: true }));

it('fills role and seed of existing trials from the search kind and the protocol seed', async () => {
  // The migrations up to 0001, as a database from before roles was migrated.
  cpSync(MIGRATIONS, before, { recursive: true });
  const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  const upTo = journal.entries.findIndex((e) => e.tag.startsWith('0002'));
  expect(upTo).toBeGreaterThan(0);
  writeFileSync(
    join(before, 'meta/_journal.json'),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }),
  );

  const client = new PGlite();
  const db = drizzle(client);
  await migrate(db, { migrationsFolder: before });
  await client.exec(`
    insert into protocols (hash, protocol) values ('p7', '{"seed": 7, "epochs": 1}'), ('p3', '{"seed": 3}');
    insert into architectures (hash, family, genotype, description, params, flops) values ('a', 'baseline', '{}', 'a', 1, 1);
    insert into searches (id, kind, status, space, strategy, seed, trials_requested, config) values
      ('s', 'search', 'finished', 'nasnet', 'random', 7, 1, '{}'),
      ('b', 'baselines', 'finished', 'baselines', 'fixed', 3, 1, '{}'),
      ('c', 'scaling', 'finished', 'efficientnet', 'grid', 7, 1, '{}');
    insert into trials (id, search_id, trial_index, arch_hash, protocol_hash, status, baseline_name, params, flops) values
      ('s/0', 's', 0, 'a', 'p7', 'succeeded', null, 1, 1),
      ('b/0', 'b', 0, 'a', 'p3', 'succeeded', 'lenet5', 1, 1),
      ('c/0', 'c', 0, 'a', 'p7', 'queued', null, 1, 1);
  `);
  await migrate(db, { migrationsFolder: MIGRATIONS });
  const { rows } = await client.query<{ id: string; role: string; seed: number }>(
    'select id, role, seed from trials order by id',
  );
  expect(rows).toEqual([
    { id: 'b/0', role: 'baseline', seed: 3 },
    { id: 'c/0', role: 'search', seed: 7 },
    { id: 's/0', role: 'search', seed: 7 },
  ]);
  await expect(
    client.exec(
      `insert into trials (id, search_id, trial_index, arch_hash, protocol_hash, status, params, flops, role) values ('s/1', 's', 1, 'a', 'p7', 'queued', 1, 1, 'search')`,
    ),
  ).rejects.toThrow(/seed/);
  await expect(
    client.exec(
      `insert into trials (id, search_id, trial_index, arch_hash, protocol_hash, status, params, flops, role, seed) values ('s/1', 's', 1, 'a', 'p7', 'queued', 1, 1, 'other', 1)`,
    ),
  ).rejects.toThrow(/trials_role_check/);
  await client.close();
});
