import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devServersOfHome } from './support/home-of-test.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-scaling-resume-open-'));
const env = {
  NAS_HOME: home,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  NAS_DATA_DIR: join(home, 'no-data'),
  NAS_SIMULATED_EPOCH_MS: '3000',
  NAS_SIMULATED_NOISE: '0',
};

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('nas scaling resume --repeats on a study that is still running', () => {
  it('is refused in one line (exit 2) and the running study goes on under its own repeats', async () => {
    const owner = startNas(['scaling', 'start', '--backend', 'simulated', '--id', 'open', '--wait'], env);
    let printed = '';
    owner.child.stderr!.on('data', (chunk) => (printed += chunk));
    try {
      await waitFor(async () => /[1-9]\d* running/.test(printed), 120_000, 'the study to run').catch((error: Error) => {
        throw new Error(`${error.message}; it printed:\n${printed.slice(-1500)}`);
      });
      const resumed = await runNas(['scaling', 'resume', 'open', '--repeats', '3', '--backend', 'simulated'], env);
      expect(resumed.code, resumed.stderr).toBe(2);
      expect(resumed.stderr.trim().split('\n').at(-1)).toBe(
        'nas: --repeats: study open is still running under its recorded repeats and cannot take new ones; ' +
          'stop it (`nas scaling stop open`) and resume it with the repeats once it has stopped, or add --restart if its workers are gone',
      );
      // The run still plans the trainings it started with (one seed per network).
      const planned = /(\d+) trainings planned/.exec(printed)![1];
      const status = await runNas(['scaling', 'status', 'open'], env);
      expect(status.stdout).toMatch(new RegExp(`^\\[(grid|lines)\\] \\d+/${planned} trainings settled`, 'm'));
    } finally {
      owner.child.kill('SIGKILL');
      await owner.done;
      await waitFor(async () => devServersOfHome(home).length === 0, 15_000, 'the dead owner’s dev server to stop');
    }
  }, 300_000);
});
