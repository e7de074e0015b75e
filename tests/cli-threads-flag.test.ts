/**
 * `--threads` of the commands that start a trainer: refused outside 1..16 before anything starts,
 * and refused, naming where a trainer's threads are set, when the command starts no trainer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { badInputLine } from './support/run-cli.ts';

describe('--threads', () => {
  it.each(['search start', 'baselines train lenet5', 'dev'])(
    'nas %s: a count outside 1..16 is one line naming the flag, exit 2',
    async (line) => {
      const command = line.split(' ');
      expect(await badInputLine([...command, '--threads', '0'])).toMatch(/^nas: --threads: must be a positive integer/);
      expect(await badInputLine([...command, '--threads', '17'])).toMatch(/^nas: --threads: .*16/);
    },
  );
});

describe('--threads where this command starts no trainer', () => {
  const home = mkdtempSync(join(tmpdir(), 'nas-threads-flag-'));
  const saved = { NAS_HOME: process.env.NAS_HOME, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const start = ['search', 'start', '--backend', 'simulated', '--threads', '2'];

  it('without --wait and no stack running: names --wait, not --threads', async () => {
    process.env.NAS_HOME = home;
    delete process.env.TEMPORAL_ADDRESS;
    expect(await badInputLine(start)).toMatch(/^nas: --wait: no embedded stack is running/);
  });

  it('with TEMPORAL_ADDRESS set: names the trainer workers’ own flag', async () => {
    process.env.NAS_HOME = home;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    expect(await badInputLine(start)).toMatch(/^nas: --threads: .*`nas worker trainer --threads N`.*: drop --threads$/);
  });
});
