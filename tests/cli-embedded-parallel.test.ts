/**
 * The embedded stack (`--wait` without a running stack) trains as many trials at once as the
 * request's --parallel asks: its in-process trainer takes that many tasks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trials } from '../db/schema';
import { createPostgresTestDatabase } from './helpers/postgres-database';

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));

function runNas(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [NAS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

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
    const protocol = ['--train-size', '512', '--val-size', '64', '--test-size', '64', '--epochs', '1', '--batch-size', '32'];
    const { code, output } = await runNas(['baselines', 'train', 'lenet5', 'alexnet-small', '--parallel', '2', ...protocol, '--wait'], {
      NAS_HOME: home,
      DATABASE_URL: database.url,
    });
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/WARN/);
    const rows = await database.db.select().from(trials).where(eq(trials.status, 'succeeded'));
    expect(rows.map((r) => r.archHash).length, output).toBe(2);
    const [a, b] = rows.map((r) => ({ start: r.startedAt!.getTime(), end: r.finishedAt!.getTime() }));
    expect(a.start < b.end && b.start < a.end, `trainings did not overlap: ${JSON.stringify([a, b])}`).toBe(true);
  }, 300_000);
});
