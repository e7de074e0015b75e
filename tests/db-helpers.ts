import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Database, type DatabaseHandle, type Driver } from '../db/client';

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

/** A fresh, migrated in-memory PGlite database. */
export function createPgliteTestDatabase(): Promise<DatabaseHandle> {
  return openDatabase({ url: '', dataDir: 'memory://' });
}

export function createTestDatabase(driver: Driver): Promise<DatabaseHandle> {
  return driver === 'postgres' ? createPostgresTestDatabase() : createPgliteTestDatabase();
}

export const DRIVERS: readonly Driver[] = ['postgres', 'pglite'];

/**
 * Runs the same suite once per driver, each on a fresh database shared by the
 * suite's tests (give tests distinct ids). `db()` is valid inside tests and hooks.
 */
export function describeEachDriver(name: string, fn: (db: () => Database, driver: Driver) => void): void {
  for (const driver of DRIVERS) {
    describe(`${name} [${driver}]`, () => {
      let handle: DatabaseHandle | undefined;
      beforeAll(async () => {
        handle = await createTestDatabase(driver);
      });
      afterAll(async () => {
        await handle?.close();
      });
      fn(() => {
        if (!handle) throw new Error(`${driver} test database is not open (beforeAll failed?)`);
        return handle.db;
      }, driver);
    });
  }
}
