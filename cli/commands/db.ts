import { nasHome, openStack } from '../../stack/embedded.ts';
import type { CommandInput } from '../invocation.ts';
import { printNote } from '../output.ts';

/** `nas db migrate`: applies pending migrations to DATABASE_URL, or to the home's PGlite under its lock. */
export async function dbCommand(_input: CommandInput): Promise<number> {
  const stack = await openStack({ own: false, migrate: true });
  try {
    const { driver } = await stack.database();
    printNote(`migrations applied (${driver === 'postgres' ? 'DATABASE_URL' : `PGlite in ${nasHome()}`})`);
    return 0;
  } finally {
    await stack.close();
  }
}
