import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Database, type DatabaseHandle, type Driver } from '../db/client';
import { createPostgresTestDatabase } from './helpers/postgres-database';

export { TEST_SERVER_URL, createPostgresTestDatabase } from './helpers/postgres-database';

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
