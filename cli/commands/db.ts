import { RequestError } from '../../search/request';
import { nasHome, openStack } from '../../stack/embedded';

/** `nas db migrate`: applies pending migrations to DATABASE_URL, or to the home's PGlite under its lock. */
export async function dbCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'migrate') throw new RequestError('nas db', `unknown subcommand ${JSON.stringify(argv[0] ?? '')}; allowed: migrate`);
  const stack = await openStack({ own: false, migrate: true });
  try {
    const { driver } = await stack.database();
    console.log(`migrations applied (${driver === 'postgres' ? 'DATABASE_URL' : `PGlite in ${nasHome()}`})`);
    return 0;
  } finally {
    await stack.close();
  }
}
