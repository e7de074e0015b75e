/** Fresh test databases on either driver, without vitest (usable from scripts run by node too). */
import { openDatabase, type DatabaseHandle, type Driver } from '../db/client.ts';
import { createPostgresTestDatabase } from './postgres-database.ts';

/** A fresh, migrated in-memory PGlite database. */
export function createPgliteTestDatabase(): Promise<DatabaseHandle> {
  return openDatabase({ url: '', dataDir: 'memory://' });
}

export function createTestDatabase(driver: Driver): Promise<DatabaseHandle> {
  return driver === 'postgres' ? createPostgresTestDatabase() : createPgliteTestDatabase();
}
