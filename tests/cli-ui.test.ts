/**
 * `nas ui` as a user runs it: over DATABASE_URL it serves the dashboard on loopback, answers pages,
 * refuses writes, gives a taken --port one line and exit 2, and Ctrl-C stops it with exit 0;
 * `nas dev` serves the same dashboard over its embedded stack.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';
import { seedSearchList } from './support/search-list-fixture.ts';

describe('nas ui', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    await seedSearchList(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('serves the runs of DATABASE_URL read-only on 127.0.0.1 until Ctrl-C', async () => {
    const run = startNas(['ui', '--port', '0'], { DATABASE_URL: database.url });
    let stderr = '';
    run.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const url = await waitFor(
      async () => /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
      30_000,
      'the dashboard address',
    );
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    for (const id of ['list-search', 'list-baselines', 'list-final', 'list-scaling']) expect(html).toContain(id);
    expect((await fetch(`${url}/runs/list-search`, { method: 'POST' })).status).toBe(405);
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
  }, 60_000);

  it('nas dev serves it over its embedded stack until Ctrl-C', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nas-dev-ui-'));
    const run = startNas(['dev', '--ui-port', '0'], { NAS_HOME: home, DATABASE_URL: '' });
    let stderr = '';
    run.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const url = await waitFor(
      async () => /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
      90_000,
      'the dashboard address',
    );
    expect((await fetch(`${url}/`)).status).toBe(200);
    run.child.kill('SIGINT');
    const { code } = await run.done;
    expect(code).toBe(0);
  }, 120_000);

  it('a taken --port is one line naming the flag, exit 2', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await runNas(['ui', '--port', String(port)], { DATABASE_URL: database.url });
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(`nas: --port: port ${port} on 127.0.0.1 is taken; choose another (0: any free port)`);
    } finally {
      taken.close();
    }
  }, 60_000);
});
