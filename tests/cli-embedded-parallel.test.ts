/**
 * The embedded stack (`--wait` without a running stack) trains as many trials at once as the
 * request's --parallel asks: its in-process trainer takes that many tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { parseCsv } from './support/csv.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trials } from '../db/schema.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { runNas } from '../harness/processes.ts';

let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let home: string;

beforeAll(async () => {
  database = await createPostgresTestDatabase();
  home = mkdtempSync(join(tmpdir(), 'nas-embedded-'));
});
afterAll(async () => {
  await database?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('embedded stack', () => {
  it('runs --parallel 2 trainings at once on its in-process trainer', async () => {
    const protocol = [
      '--train-size',
      '512',
      '--val-size',
      '64',
      '--test-size',
      '64',
      '--epochs',
      '1',
      '--batch-size',
      '32',
    ];
    const { code, stdout, stderr } = await runNas(
      ['baselines', 'train', 'lenet5', 'alexnet-small', '--parallel', '2', ...protocol, '--wait', '--format', 'csv'],
      {
        NAS_HOME: home,
        DATABASE_URL: database.url,
      },
    );
    const output = stdout + stderr;
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/WARN/);
    expect(parseCsv(stdout).map((r) => [r.name, r.status])).toEqual([
      ['lenet5', 'succeeded'],
      ['alexnet-small', 'succeeded'],
    ]);
    const rows = await database.db.select().from(trials).where(eq(trials.status, 'succeeded'));
    expect(rows.map((r) => r.archHash).length, output).toBe(2);
    const [a, b] = rows.map((r) => ({ start: r.startedAt!.getTime(), end: r.finishedAt!.getTime() }));
    expect(a.start < b.end && b.start < a.end, `trainings did not overlap: ${JSON.stringify([a, b])}`).toBe(true);
  }, 300_000);
});
