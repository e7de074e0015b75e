import { RequestError } from '../../search/request';
import { openDatabase } from '../../db/client';

export async function dbCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'migrate') throw new RequestError('nas db', `unknown subcommand ${JSON.stringify(argv[0] ?? '')}; allowed: migrate`);
  const handle = await openDatabase({ migrate: true });
  await handle.close();
  console.log(`migrations applied (${handle.driver}${handle.driver === 'postgres' ? '' : ` in ${process.env.NAS_HOME || '.nas'}`})`);
  return 0;
}
