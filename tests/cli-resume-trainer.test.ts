import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devServersOfHome } from './support/home-of-test.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-resume-trainer-'));
const env = {
  NAS_HOME: home,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  NAS_DATA_DIR: join(home, 'no-data'),
  NAS_SIMULATED_EPOCH_MS: '',
  NAS_SIMULATED_NOISE: '',
};

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface StoredStatus {
  stored: { total: number; counts: Record<string, number> };
}

async function status(id: string): Promise<StoredStatus | null> {
  const { code, stdout } = await runNas(['search', 'status', id, '--json'], env);
  return code === 0 ? (JSON.parse(stdout) as StoredStatus) : null;
}

describe('nas search resume', () => {
  it('keeps the backend and simulation settings the search was started with', async () => {
    const start = [
      'search',
      'start',
      '--backend',
      'simulated',
      '--space',
      'nasnet',
      '--strategy',
      'random',
      '--trials',
      '4',
      '--seed',
      '3',
      '--id',
      'sim',
      '--wait',
    ];
    const owner = startNas(start, { ...env, NAS_SIMULATED_EPOCH_MS: '1500', NAS_SIMULATED_NOISE: '0' });
    await waitFor(
      async () => {
        const counts = (await status('sim'))?.stored.counts;
        return (counts?.succeeded ?? 0) >= 1 && (counts?.running ?? 0) === 1;
      },
      120_000,
      'a first trial, and a second one running',
    );
    owner.child.kill('SIGKILL');
    await owner.done;
    await waitFor(async () => devServersOfHome(home).length === 0, 15_000, 'the dead owner’s dev server to stop');
    const before = (await status('sim'))!.stored.counts.succeeded ?? 0;
    expect(before).toBeLessThan(4);

    const resumed = await runNas(['search', 'resume', 'sim'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('starting one to finish search sim (--backend simulated, as it was started)');
    expect(resumed.stderr).toContain('backend: simulated trainer');
    // The killed owner's running training is retried at once, not after its 30 s heartbeat timeout.
    expect(resumed.stderr).toContain('owner: retrying 1 activity attempt(s) whose worker died with an earlier owner');
    const { stored } = (await status('sim'))!;
    expect(stored.total).toBe(4);
    expect(stored.counts.succeeded).toBe(4);
    // Another backend under the same id is another request.
    const again = await runNas([...start.filter((a) => a !== 'simulated' && a !== '--backend')], {
      ...env,
      NAS_DATA_DIR: '/usr/share/datasets/fashion-mnist',
    });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n').at(-1)).toMatch(
      /^nas: --id: search sim exists with another request: trainer\.backend \("simulated", now "auto"\)/,
    );
  }, 300_000);

  it('of a final evaluation keeps the backend and simulation settings it was started with', async () => {
    const search = ['search', 'start', '--backend', 'simulated', '--space', 'nasnet', '--strategy', 'random'];
    const searched = await runNas([...search, '--trials', '2', '--seed', '4', '--id', 'searched', '--wait'], {
      ...env,
      NAS_SIMULATED_EPOCH_MS: '10',
    });
    expect(searched.code, searched.stderr).toBe(0);
    const finalize = ['search', 'finalize', 'searched', '--backend', 'simulated', '--top', '1', '--repeats', '6'];
    const started = [...finalize, '--id', 'sim-final', '--wait'];
    const owner = startNas(started, { ...env, NAS_SIMULATED_EPOCH_MS: '3000', NAS_SIMULATED_NOISE: '0' });
    let printed = '';
    owner.child.stderr!.on('data', (chunk) => (printed += chunk));
    await waitFor(
      async () => ((await status('sim-final'))?.stored.counts.succeeded ?? 0) >= 1,
      120_000,
      'a first final trial',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the final evaluation printed:\n${printed.slice(-1500)}`);
    });
    owner.child.kill('SIGKILL');
    await owner.done;
    await waitFor(async () => devServersOfHome(home).length === 0, 15_000, 'the dead owner’s dev server to stop');
    expect((await status('sim-final'))!.stored.counts.succeeded ?? 0).toBeLessThan(6);

    const resumed = await runNas(['search', 'resume', 'sim-final'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      'starting one to finish search sim-final (--backend simulated, as it was started)',
    );
    expect(resumed.stderr).toContain('backend: simulated trainer');
    const { stored } = (await status('sim-final'))!;
    expect(stored.total).toBe(6);
    expect(stored.counts.succeeded).toBe(6);
    // Another backend under the same id is another request.
    const again = await runNas([...started.filter((a) => a !== 'simulated' && a !== '--backend')], {
      ...env,
      NAS_DATA_DIR: '/usr/share/datasets/fashion-mnist',
    });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n').at(-1)).toMatch(
      /^nas: --id: final evaluation sim-final exists with another request: trainer\.backend \("simulated", now "auto"\)/,
    );
  }, 300_000);
});
