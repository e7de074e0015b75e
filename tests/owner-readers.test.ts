/**
 * Commands that read a home owned by another process go through the owner's read-only endpoint
 * (stack/database-endpoint.ts): `nas ui`, `nas search list` and `nas baselines list` against a
 * running `nas dev`, each with a search recorded there, and the owner counts `nas ui` as attached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNas, startNas, waitFor } from '../harness/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-readers-'));
const env = { NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };

afterAll(() => rmSync(home, { recursive: true, force: true }));

function addressIn(run: ReturnType<typeof startNas>): () => Promise<string | undefined> {
  let stderr = '';
  run.child.stderr!.on('data', (chunk) => (stderr += chunk));
  return async () => /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
}

describe('readers of a home owned by another process', () => {
  it('serve the dashboard, the search list and the baselines through the owner', async () => {
    const owner = startNas(['dev', '--ui-port', '0'], env);
    const ownerUrl = await waitFor(addressIn(owner), 120_000, "the owner's dashboard");
    const search = await runNas(
      [
        'search',
        'start',
        '--space',
        'nasnet',
        '--strategy',
        'random',
        '--max-params',
        '1',
        '--seed',
        '1',
        '--trials',
        '4',
        '--id',
        'read-me',
      ],
      env,
    );
    expect(search.code, search.stderr).toBe(0);
    await waitFor(
      async () => {
        const { stdout } = await runNas(['search', 'status', 'read-me', '--json'], env);
        return stdout.includes('"total": 4');
      },
      120_000,
      'the search to record its trials',
    );
    const ui = startNas(['ui', '--port', '0'], env);
    try {
      const url = await waitFor(addressIn(ui), 60_000, "the attached command's dashboard");
      expect(url).not.toBe(ownerUrl);
      const runs = await fetch(`${url}/`);
      expect(runs.status).toBe(200);
      expect(await runs.text()).toContain('read-me');
      expect((await fetch(`${url}/runs/read-me`)).status).toBe(200);
      const list = await runNas(['search', 'list', '--format', 'json'], env);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('read-me');
      const baselines = await runNas(['baselines', 'list'], env);
      expect(baselines.code, baselines.stderr).toBe(0);
    } finally {
      ui.child.kill('SIGINT');
      await ui.done;
      owner.child.kill('SIGINT');
      expect((await owner.done).code).toBe(0);
    }
  }, 400_000);
});
