/**
 * A search sent to a trainer queue that no trainer polls (here: `nas dev` runs the stack, whose
 * trainer serves its own queue) says so: `--wait` prints one note after a bounded wait, and
 * `nas search status` names the queue and the command that serves it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNas, startNas, waitFor, type NasRun } from '../harness/processes.ts';
import { UNSERVED_NOTICE_SECONDS } from '../cli/trainer-queue.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-unserved-queue-'));
const env = { NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
const note =
  'nas: no trainer polls task queue nobody-serves-this, so the queued trials wait: start one that reaches this Temporal ' +
  'with `nas worker trainer --task-queue nobody-serves-this`, or stop the run';
const runs: NasRun[] = [];

afterAll(async () => {
  for (const run of runs.filter((r) => r.child.exitCode === null).reverse()) {
    run.child.kill('SIGINT');
    await run.done;
  }
  rmSync(home, { recursive: true, force: true });
});

function output(run: NasRun): () => string {
  let stderr = '';
  run.child.stderr!.on('data', (chunk) => (stderr += chunk));
  return () => stderr;
}

describe('a search on a trainer queue nobody polls', () => {
  it('is reported by --wait after a bounded wait and by search status, and can still be stopped', async () => {
    const dev = startNas(['dev', '--ui-port', '0'], env);
    runs.push(dev);
    const devOutput = output(dev);
    await waitFor(async () => devOutput().includes('dashboard: http'), 120_000, 'the stack of nas dev');
    const search = startNas(
      ['search', 'start', '--id', 'unserved', '--trials', '2', '--task-queue', 'nobody-serves-this', '--wait'],
      env,
    );
    runs.push(search);
    const stderr = output(search);
    await waitFor(async () => stderr().includes('search unserved started'), 60_000, 'the search to start');
    const started = Date.now();
    await waitFor(async () => stderr().includes(note), (UNSERVED_NOTICE_SECONDS + 30) * 1000, 'the unserved note');
    expect(Date.now() - started).toBeGreaterThanOrEqual(UNSERVED_NOTICE_SECONDS * 1000 - 5_000);

    const status = await runNas(['search', 'status', 'unserved'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(note.replace(/^nas: /, ''));

    expect((await runNas(['search', 'stop', 'unserved'], env)).code).toBe(0);
    const { code } = await search.done;
    expect(code).toBe(1);
    expect(stderr().split(note)).toHaveLength(2);
  }, 240_000);
});
