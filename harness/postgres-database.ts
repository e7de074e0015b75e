/** Throwaway databases on the local Postgres server, for tests and benchmarks (no vitest here). */
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';

/** The test Postgres server (trust auth); override with NAS_TEST_POSTGRES_URL. */
export const TEST_SERVER_URL = process.env.NAS_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

let created = 0;

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh database named nas_test_<pid>_<time>_<n> on the test server (migrated unless told not to); close() drops it. */
export async function createPostgresTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<DatabaseHandle & { url: string }> {
  const name = `nas_test_${process.pid}_${Date.now()}_${created++}`;
  const admin = postgres(TEST_SERVER_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = databaseUrl(TEST_SERVER_URL, name);
  const handle = await openDatabase({ url, migrate: options.migrate ?? true });
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      const dropper = postgres(TEST_SERVER_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
