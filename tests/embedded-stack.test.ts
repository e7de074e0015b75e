import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devServersOfHome } from './support/home-of-test.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-home-'));
const env = { NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
/** Candidates all over the parameter budget: recorded at once, nothing trains. */
const NO_TRAINING = ['--space', 'nasnet', '--strategy', 'random', '--max-params', '1', '--seed', '1'];

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface StoredStatus {
  stored: { total: number; counts: Record<string, number> };
}

async function status(id: string): Promise<StoredStatus> {
  const { code, stdout, stderr } = await runNas(['search', 'status', id, '--json'], env);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as StoredStatus;
}

describe('the embedded stack of one home', () => {
  it('lets one of two commands started together own it and the other attach; every trial is recorded once', async () => {
    const [a, b] = await Promise.all([
      runNas(['search', 'start', ...NO_TRAINING, '--trials', '6', '--parallel', '2', '--id', 'race-1', '--wait'], env),
      runNas(['search', 'start', ...NO_TRAINING, '--trials', '6', '--parallel', '2', '--id', 'race-2', '--wait'], env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const owners = [a, b].filter((run) => run.stderr.includes('Temporal dev server at'));
    expect(owners).toHaveLength(1);
    for (const id of ['race-1', 'race-2']) {
      const { stored } = await status(id);
      expect(stored.total).toBe(6);
      expect(stored.counts.over_budget).toBe(6);
    }
    expect(devServersOfHome(home)).toEqual([]);
  }, 180_000);

  it('refuses an existing id with another request, naming the field, and follows it with the same request', async () => {
    const other = await runNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '6', '--epochs', '3', '--id', 'race-1', '--wait'],
      env,
    );
    expect(other.code).toBe(2);
    expect(
      other.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('nas:')),
    ).toEqual([
      expect.stringMatching(/^nas: --id: search race-1 exists with another request: protocol\.epochs \(\d+, now 3\)/),
    ]);
    const same = await runNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '6', '--parallel', '3', '--id', 'race-1', '--wait'],
      env,
    );
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('search race-1 already finished');
    expect((await status('race-1')).stored.total).toBe(6);
  }, 120_000);

  it('answers 20 concurrent readers correctly while its owner records a search', async () => {
    const owner = startNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '200', '--parallel', '8', '--id', 'busy', '--wait'],
      env,
    );
    await waitFor(
      async () => (await status('busy').catch(() => null))?.stored.total,
      120_000,
      'the busy search to record trials',
    );
    const leaderboard = ['leaderboard', '--search', 'race-2', '--format', 'json'];
    const readers = Array.from({ length: 20 }, (_, i) =>
      runNas(i % 2 ? leaderboard : ['search', 'status', 'busy', '--json'], env),
    );
    const started = Date.now();
    const answers = await Promise.all(readers);
    expect(Date.now() - started).toBeLessThan(150_000);
    const finished = await owner.done;
    expect(finished.code, finished.stderr).toBe(0);
    const settled = await runNas(leaderboard, env);
    expect(settled.code, settled.stderr).toBe(0);
    answers.forEach((answer, i) => {
      expect(answer.code, answer.stderr).toBe(0);
      if (i % 2) {
        expect(JSON.parse(answer.stdout)).toEqual(JSON.parse(settled.stdout));
      } else {
        const { stored } = JSON.parse(answer.stdout) as StoredStatus;
        const counted = Object.values(stored.counts).reduce((sum, n) => sum + n, 0);
        expect(counted).toBe(stored.total);
        expect(stored.total).toBeGreaterThan(0);
        expect(stored.total).toBeLessThanOrEqual(200);
      }
    });
    expect((await status('busy')).stored.total).toBe(200);
  }, 400_000);

  it('detaches on one Ctrl-C and stops the search on two, each with one line and exit 130', async () => {
    // A home of its own: the detached search stays unfinished there.
    const ctrlHome = mkdtempSync(join(tmpdir(), 'nas-home-ctrl-c-'));
    const ctrlEnv = { ...env, NAS_HOME: ctrlHome };
    const started = (id: string) =>
      waitFor(
        async () => {
          const { stdout } = await runNas(['search', 'status', id, '--json'], ctrlEnv);
          return stdout && (JSON.parse(stdout) as StoredStatus).stored.total > 0;
        },
        300_000,
        `search ${id} to record a trial`,
      );
    const detached = startNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '100000', '--id', 'ctrl-c-1', '--wait'],
      ctrlEnv,
    );
    await started('ctrl-c-1');
    detached.child.kill('SIGINT');
    const left = await detached.done;
    expect(left.code).toBe(130);
    expect(left.stderr).toContain('nas: detached; search ctrl-c-1 waits for the stack');

    const stopped = startNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '100000', '--id', 'ctrl-c-2', '--wait'],
      ctrlEnv,
    );
    await started('ctrl-c-2');
    stopped.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    stopped.child.kill('SIGINT');
    const ended = await stopped.done;
    expect(ended.code, ended.stderr).toBe(130);
    expect(ended.stderr).toContain('nas: search ctrl-c-2 stopped');
    expect(ended.stderr).not.toMatch(/\n\s+at /);
    const { stdout } = await runNas(['search', 'status', 'ctrl-c-2'], ctrlEnv);
    expect(stdout).not.toContain('nas search resume');
    rmSync(ctrlHome, { recursive: true, force: true });
  }, 300_000);

  it('finishes a search with `nas search resume` after its owner was killed mid-trial, every trial once', async () => {
    const training = [
      '--train-size',
      '256',
      '--val-size',
      '64',
      '--test-size',
      '64',
      '--epochs',
      '1',
      '--batch-size',
      '32',
    ];
    const owner = startNas(
      ['search', 'start', '--space', 'nasnet', '--trials', '3', '--seed', '2', ...training, '--id', 'crash', '--wait'],
      env,
    );
    await waitFor(
      async () => ((await status('crash').catch(() => null))?.stored.counts.succeeded ?? 0) >= 1,
      240_000,
      'a first trial',
    );
    owner.child.kill('SIGKILL');
    await owner.done;
    await waitFor(async () => devServersOfHome(home).length === 0, 15_000, 'the dead owner’s dev server to stop');
    const offline = await runNas(['search', 'status', 'crash'], env);
    expect(offline.stdout).toContain('`nas search resume crash` finishes it');

    const resumed = await runNas(['search', 'resume', 'crash'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const { stored } = await status('crash');
    expect(stored.total).toBe(3);
    expect((stored.counts.succeeded ?? 0) + (stored.counts.diverged ?? 0)).toBe(3);
    expect(devServersOfHome(home)).toEqual([]);
  }, 480_000);
});
