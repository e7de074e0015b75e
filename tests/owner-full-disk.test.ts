import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountSmallDisk } from './support/home-of-test.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const { dir: disk, mounted, remove: removeDisk } = mountSmallDisk('nas-full-disk-');
const home = join(disk, 'home');
const env = { NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
const NO_TRAINING = ['--space', 'nasnet', '--strategy', 'random', '--max-params', '1', '--seed', '1'];

afterAll(() => {
  removeDisk();
});

async function recorded(): Promise<number> {
  const { code, stdout } = await runNas(['search', 'status', 'full', '--json'], env);
  return code === 0 ? (JSON.parse(stdout) as { stored: { total: number } }).stored.total : 0;
}

/** Writes a file until the disk refuses more. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(2 ** 20, 1);
  let bytes = 0;
  try {
    for (;;) bytes += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return bytes;
}

describe.skipIf(!mounted)('a home on a disk that fills', () => {
  it('ends its owner with one line naming the home and the space needed, and keeps what it recorded', async () => {
    const owner = startNas(
      ['search', 'start', ...NO_TRAINING, '--trials', '100000', '--parallel', '10', '--id', 'full', '--wait'],
      env,
    );
    const acknowledged = await waitFor(
      async () => {
        const n = await recorded();
        return n >= 20 && n;
      },
      240_000,
      'the owner to record 20 trials',
    );
    const filler = join(disk, 'filler');
    fillDisk(filler);
    const filledAt = Date.now();
    const ended = await Promise.race([owner.done, new Promise<null>((r) => setTimeout(() => r(null), 90_000))]);
    console.info(
      `disk filled after ${acknowledged} trials recorded: the owner ${ended ? `ended (exit ${ended.code}) in ${Date.now() - filledAt} ms` : 'still runs after 90 s'}`,
    );
    if (!ended) owner.child.kill('SIGKILL');
    expect(ended).not.toBeNull();
    const errors = ended!.stderr.split('\n').filter((line) => /^nas: (NAS_HOME|[A-Z])/.test(line));
    console.info(ended!.stderr.slice(-1500));
    expect(ended!.code).toBe(2);
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(`^nas: NAS_HOME: the disk holding ${home} has \\d+ MB free; the stack needs at least 64 MB`),
      ),
    ]);
    rmSync(filler);
    expect(await recorded()).toBeGreaterThanOrEqual(acknowledged);
  }, 420_000);
});
