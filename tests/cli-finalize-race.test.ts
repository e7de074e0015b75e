/**
 * Issue 26, finalize: two `nas search finalize` of one search at once, as separate processes on
 * one home, behave as two `nas search start` do: the same request is run once and both print its
 * table; another request under the same --id exits 2 naming the fields that differ, never printing
 * the other's table. (Simulated trainings, a second long each, so the second command meets the first's run.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNas } from '../harness/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-finalize-race-'));
const env = {
  NAS_HOME: home,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  NAS_SIMULATED_EPOCH_MS: '1000',
  NAS_SIMULATED_NOISE: '0',
};
const simulated = ['--backend', 'simulated', '--space', 'nasnet', '--strategy', 'random', '--seed', '5'];

beforeAll(async () => {
  const search = await runNas(
    ['search', 'start', ...simulated, '--trials', '3', '--parallel', '3', '--id', 'race', '--wait'],
    { ...env, NAS_SIMULATED_EPOCH_MS: '10' },
  );
  expect(search.code, search.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

const finalize = (...more: string[]) =>
  runNas(['search', 'finalize', 'race', '--backend', 'simulated', '--top', '1', '--wait', ...more], env);

describe('two nas search finalize at once', () => {
  it('of the same request: it runs once, and both print its table', async () => {
    const [a, b] = await Promise.all([finalize('--repeats', '2'), finalize('--repeats', '2')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout).not.toBe('');
    expect(b.stdout).toBe(a.stdout);
  }, 240_000);

  for (const round of [1, 2]) {
    it(`of two requests under one --id: one runs, the other exits 2 naming the field (round ${round})`, async () => {
      const id = `race-final-${round}`;
      const runs = await Promise.all([finalize('--repeats', '1', '--id', id), finalize('--repeats', '2', '--id', id)]);
      expect(runs.map((r) => r.code).sort(), runs.map((r) => r.stderr).join('\n---\n')).toEqual([0, 2]);
      const winner = runs.find((r) => r.code === 0)!;
      const refused = runs.find((r) => r.code === 2)!;
      expect(refused.stdout).toBe('');
      const [given, other] = winner === runs[0] ? ['2', '1'] : ['1', '2'];
      expect(refused.stderr.trim().split('\n').at(-1)).toBe(
        `nas: --id: final evaluation ${id} exists with another request: repeats (${other}, now ${given}); choose another --id, or \`nas search resume ${id}\` to continue it as it was`,
      );
    }, 240_000);
  }
});
