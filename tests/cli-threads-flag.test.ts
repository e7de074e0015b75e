/** `--threads` of the commands that start a trainer: refused outside 1..16 before anything starts. */
import { describe, expect, it } from 'vitest';
import { badInputLine } from './support/run-cli';

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
