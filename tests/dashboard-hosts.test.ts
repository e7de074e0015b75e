/**
 * Issue 26, dashboard: real HTTP requests to a listening dashboard. A request whose Host is not
 * the bound address or localhost (a DNS-rebinding page in the user's browser) is refused; a path
 * that does not decode to a trial is a 404 with nothing in the log; `--host` must be an address.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../dashboard/index.ts';
import { allowedHostNames, hostHeaderName, isAllowedHost } from '../dashboard/hosts.ts';
import { seedDashboardDatabase } from '../bench/dashboard-seed.ts';
import { createPgliteTestDatabase } from '../harness/test-database.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { badInputLine } from './support/run-cli.ts';

/** GET `path` with this Host header (fetch does not let a page or a caller set it). */
function get(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard hosts and paths', () => {
  let database: DatabaseHandle;
  let dashboard: Dashboard;
  let searchId: string;
  const logged: string[] = [];
  beforeAll(async () => {
    database = await createPgliteTestDatabase();
    ({ searchId } = await seedDashboardDatabase(database.db, { trials: 3 }));
    dashboard = await startDashboard({ db: database.db, port: 0, log: (m) => logged.push(m) });
  });
  afterAll(async () => {
    await dashboard?.close();
    await database?.close();
  });

  it('refuses a Host that is not its address or localhost, before reading anything', async () => {
    const { port } = new URL(dashboard.url);
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      `192.168.1.5:${port}`,
      `localhost.attacker.example:${port}`,
    ]) {
      const response = await get(dashboard.url, `/runs/${searchId}`, host);
      expect(response.status, host).toBe(403);
      expect(response.body, host).not.toContain(searchId);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, 'localhost']) {
      const response = await get(dashboard.url, `/runs/${searchId}`, host);
      expect(response.status, host).toBe(200);
      expect(response.body).toContain(searchId);
    }
    expect(logged).toEqual([]);
  });

  it('answers a trial path that decodes to no trial with 404 and logs nothing', async () => {
    const { port } = new URL(dashboard.url);
    for (const path of ['/trials/%25', '/trials/%2525', '/trials/%', `/trials/${searchId}%2F99`]) {
      const response = await get(dashboard.url, path, `127.0.0.1:${port}`);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('    at ');
    }
    expect(
      (await get(dashboard.url, `/trials/${encodeURIComponent(`${searchId}/0`)}`, `127.0.0.1:${port}`)).status,
    ).toBe(200);
    expect(logged).toEqual([]);
  });

  it("answers, bound to every interface, to this machine's addresses only", () => {
    const everywhere = allowedHostNames('0.0.0.0');
    expect(isAllowedHost('127.0.0.1:8090', everywhere)).toBe(true);
    expect(isAllowedHost('attacker.example:8090', everywhere)).toBe(false);
    expect(isAllowedHost(undefined, everywhere)).toBe(false);
    const one = allowedHostNames('192.168.1.5');
    expect(isAllowedHost('192.168.1.5:8090', one)).toBe(true);
    expect(isAllowedHost('192.168.1.6:8090', one)).toBe(false);
    expect(hostHeaderName('[::1]:8090')).toBe('::1');
    expect(isAllowedHost('[::1]:8090', allowedHostNames('::1'))).toBe(true);
  });
});

describe('--host', () => {
  it('must name an address: an empty one would listen on every interface', async () => {
    expect(await badInputLine(['ui', '--host', ''])).toBe(
      'nas: --host: must be an IP address or host name to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface), got ""',
    );
    expect(await badInputLine(['ui', '--host', 'http://127.0.0.1'])).toMatch(
      /^nas: --host: must be an IP address or host name/,
    );
    expect(await badInputLine(['dev', '--ui-host', ' '])).toMatch(
      /^nas: --ui-host: must be an IP address or host name/,
    );
  });
});
