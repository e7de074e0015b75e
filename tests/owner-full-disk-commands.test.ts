import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devServersOfHome, mountSmallDisk } from './support/home-of-test.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const { dir: disk, mounted, remove: removeDisk } = mountSmallDisk('nas-full-disk-commands-');
const home = join(disk, 'home');
const filler = join(disk, 'filler');
const env = {
  NAS_HOME: home,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  NAS_SIMULATED_EPOCH_MS: '2000',
  NAS_SIMULATED_NOISE: '0',
};
const SIMULATED = ['--backend', 'simulated'];

afterAll(() => {
  removeDisk();
});
afterEach(() => rmSync(filler, { force: true }));

function fillDisk(): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(2 ** 20, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Starts `args` as the owner, fills the disk once it printed `started`, and returns how it ended. */
async function endOnFullDisk(args: string[], started: RegExp) {
  const command = startNas(args, env);
  let stderr = '';
  command.child.stderr!.on('data', (chunk) => (stderr += chunk));
  await waitFor(async () => started.test(stderr), 180_000, `${args.slice(0, 2).join(' ')} to start its run`).catch(
    (error: Error) => {
      command.child.kill('SIGKILL');
      throw new Error(`${error.message}; it printed:\n${stderr.slice(-1500)}`);
    },
  );
  await new Promise((r) => setTimeout(r, 3_000));
  fillDisk();
  const ended = await Promise.race([command.done, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
  if (!ended) command.child.kill('SIGKILL');
  console.info(
    `${args.slice(0, 2).join(' ')}: ${ended ? `exit ${ended.code}` : 'still runs 60 s after the disk filled'}`,
  );
  return ended;
}

function expectOneDiskLine(ended: { code: number | null; stderr: string } | null): void {
  expect(ended, 'the command ended').not.toBeNull();
  expect(ended!.code, ended!.stderr.slice(-1500)).toBe(2);
  const errors = ended!.stderr.split('\n').filter((line) => line.startsWith('nas: '));
  expect(errors).toEqual([
    expect.stringMatching(
      new RegExp(`^nas: NAS_HOME: the disk holding ${home} has \\d+ MB free; the stack needs at least 64 MB`),
    ),
  ]);
}

describe.skipIf(!mounted)('commands owning a home whose disk fills', () => {
  beforeAll(async () => {
    const search = await runNas(
      [
        'search',
        'start',
        ...SIMULATED,
        '--space',
        'nasnet',
        '--strategy',
        'random',
        '--seed',
        '5',
        '--trials',
        '3',
        '--parallel',
        '3',
        '--id',
        'searched',
        '--wait',
      ],
      { ...env, NAS_SIMULATED_EPOCH_MS: '10' },
    );
    expect(search.code, search.stderr).toBe(0);
  }, 240_000);

  it('nas search finalize --wait', async () => {
    const ended = await endOnFullDisk(
      ['search', 'finalize', 'searched', ...SIMULATED, '--top', '1', '--repeats', '20', '--wait'],
      /final evaluation .* started/,
    );
    expectOneDiskLine(ended);
  }, 300_000);

  it('nas baselines train --wait', async () => {
    const ended = await endOnFullDisk(
      ['baselines', 'train', 'lenet5', 'alexnet-small', 'resnet20', ...SIMULATED, '--epochs', '5', '--wait'],
      /training 3 baseline\(s\)/,
    );
    expectOneDiskLine(ended);
  }, 300_000);

  it('nas scaling start --wait', async () => {
    const ended = await endOnFullDisk(
      ['scaling', 'start', ...SIMULATED, '--id', 'study', '--wait'],
      /scaling study study started/,
    );
    expectOneDiskLine(ended);
  }, 300_000);

  it('nas search resume, owning the stack', async () => {
    const owner = startNas(
      [
        'search',
        'start',
        ...SIMULATED,
        '--space',
        'nasnet',
        '--strategy',
        'random',
        '--trials',
        '50',
        '--id',
        'resumed',
        '--wait',
      ],
      env,
    );
    let stderr = '';
    owner.child.stderr!.on('data', (chunk) => (stderr += chunk));
    await waitFor(async () => /\] [1-9]\d*\/50 trials/.test(stderr), 180_000, 'a first trial recorded');
    owner.child.kill('SIGKILL');
    await owner.done;
    await waitFor(async () => devServersOfHome(home).length === 0, 30_000, 'the dead owner’s dev server to stop');
    const ended = await endOnFullDisk(['search', 'resume', 'resumed'], /starting one to finish search resumed/);
    expectOneDiskLine(ended);
  }, 420_000);
});
