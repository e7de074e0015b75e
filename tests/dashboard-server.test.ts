/** The dashboard server: read-only, loopback by default, and database failures shown without their details. */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import * as schema from '../db/schema.ts';
import { listRuns } from '../db/queries/dashboard-runs.ts';
import { startDashboard, type Dashboard } from '../dashboard/index.ts';
import { isLoopback } from '../dashboard/loopback.ts';
import { seedDashboardDatabase } from '../bench/dashboard-seed.ts';
import { createPgliteTestDatabase } from '../harness/test-database.ts';
import type { DatabaseHandle } from '../db/client.ts';

describe('dashboard server', () => {
  let database: DatabaseHandle;
  let dashboard: Dashboard;
  const logged: string[] = [];
  let searchId: string;
  beforeAll(async () => {
    database = await createPgliteTestDatabase();
    ({ searchId } = await seedDashboardDatabase(database.db, { trials: 5 }));
    dashboard = await startDashboard({ db: database.db, port: 0, log: (m) => logged.push(m) });
  });
  afterAll(async () => {
    await dashboard?.close();
    await database?.close();
  });

  it('binds to 127.0.0.1 by default and warns about nothing there', () => {
    expect(new URL(dashboard.url).hostname).toBe('127.0.0.1');
    expect(logged).toEqual([]);
  });

  it('refuses every method but GET and HEAD with 405, on any path, and changes nothing', async () => {
    const before = await listRuns(database.db);
    const paths = [
      '/',
      `/runs/${searchId}`,
      `/trials/${encodeURIComponent(`${searchId}/0`)}`,
      '/events',
      '/assets/live.js',
      '/no/such/page',
    ];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const path of paths) {
        const response = await fetch(dashboard.url + path, {
          method,
          body: method === 'OPTIONS' ? undefined : '{"status":"stopped"}',
          headers: { 'content-type': 'application/json' },
        });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    expect(await listRuns(database.db)).toEqual(before);
    expect((await fetch(`${dashboard.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${dashboard.url}/`)).status).toBe(200);
  });

  it('answers an unknown run or trial with a 404 page', async () => {
    expect((await fetch(`${dashboard.url}/runs/no-such-run`)).status).toBe(404);
    expect((await fetch(`${dashboard.url}/trials/no-such-run%2F0`)).status).toBe(404);
  });

  it('says which addresses are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.org'])
      expect(isLoopback(host), host).toBe(false);
  });
});

describe('dashboard on a non-loopback address', () => {
  it('logs that it has no authentication', async () => {
    const database = await createPgliteTestDatabase();
    const logged: string[] = [];
    const dashboard = await startDashboard({ db: database.db, host: '0.0.0.0', port: 0, log: (m) => logged.push(m) });
    try {
      expect(logged.join('\n')).toMatch(/0\.0\.0\.0.*no authentication/);
    } finally {
      await dashboard.close();
      await database.close();
    }
  });
});

describe('dashboard over a database that fails', () => {
  const secretUrl = 'postgres://nas_reader:s3cret-pa55word@127.0.0.1:1/results_db';
  let client: ReturnType<typeof postgres>;
  let dashboard: Dashboard;
  const logged: string[] = [];
  beforeAll(async () => {
    client = postgres(secretUrl, { max: 1, connect_timeout: 2, onnotice: () => {} });
    const db = drizzle({ client, schema }) as unknown as Database;
    dashboard = await startDashboard({ db, port: 0, log: (m) => logged.push(m) });
  });
  afterAll(async () => {
    await dashboard?.close();
    await client?.end({ timeout: 0 });
  });

  it('shows a generic page: no connection string, host, credentials, error code or stack trace', async () => {
    for (const path of ['/', '/runs/some-search', '/trials/some-search%2F0', '/scaling/some-study']) {
      const response = await fetch(dashboard.url + path);
      const text = await response.text();
      expect(response.status, path).toBe(500);
      expect(text).toContain('The results database could not be read');
      for (const leak of [
        'postgres://',
        'nas_reader',
        's3cret',
        '127.0.0.1:1',
        'results_db',
        'ECONNREFUSED',
        'node_modules',
        '    at ',
      ]) {
        expect(text, `${path} leaks ${leak}`).not.toContain(leak);
      }
    }
    // The details are in the server's own log.
    expect(logged.join('\n')).toMatch(/ECONNREFUSED|connect/);
  });
});
