import { afterAll, beforeAll, describe } from 'vitest';
import type { Database, DatabaseHandle, Driver } from '../../db/client.ts';
import { createTestDatabase } from '../../harness/test-database.ts';

export { TEST_SERVER_URL, createPostgresTestDatabase } from '../../harness/postgres-database.ts';
export { createPgliteTestDatabase, createTestDatabase } from '../../harness/test-database.ts';

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
