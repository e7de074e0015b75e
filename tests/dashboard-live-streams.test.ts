/**
 * A live page's event stream stops polling when its client leaves, even one that left while the
 * stream was still reading its first change stamp, and closing the dashboard stops every stream:
 * nothing keeps a process that served live pages alive after it closed the dashboard.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildDashboardApp } from '../dashboard/app.ts';
import type { Database } from '../db/client.ts';

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A database whose change stamp takes `delayMs` to read and that counts the reads. */
function slowStamps(delayMs: number) {
  const reads = { count: 0 };
  const db = {
    execute: async () => {
      reads.count++;
      await sleep(delayMs);
      return { rows: [{ stamp: 'same' }] };
    },
  } as unknown as Database;
  return { db, reads };
}

async function listening(db: Database) {
  const app = buildDashboardApp({ db, pollMs: POLL_MS, log: () => {} });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Opens the run's event stream and hangs up after `afterMs`. */
function leaveAfter(port: number, afterMs: number) {
  const client = request({ host: '127.0.0.1', port, path: '/events/runs/some-run' });
  client.on('error', () => {});
  client.end();
  setTimeout(() => client.destroy(), afterMs);
}

describe('live event streams', () => {
  it('stop polling when a client leaves while its first change stamp is read', async () => {
    const { db, reads } = slowStamps(300);
    const { app, port } = await listening(db);
    try {
      leaveAfter(port, 50);
      await sleep(500);
      const settled = reads.count;
      await sleep(10 * POLL_MS);
      expect(reads.count).toBe(settled);
    } finally {
      await app.close();
    }
  });

  it('stop polling when the dashboard closes, whether or not their clients left', async () => {
    const { db, reads } = slowStamps(0);
    const { app, port } = await listening(db);
    leaveAfter(port, 60_000);
    await sleep(5 * POLL_MS);
    expect(reads.count).toBeGreaterThan(1);
    await app.close();
    await sleep(2 * POLL_MS);
    const settled = reads.count;
    await sleep(10 * POLL_MS);
    expect(reads.count).toBe(settled);
  });
});
