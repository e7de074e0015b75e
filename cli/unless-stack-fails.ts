/**
 * A command that waits for a run on its home's stack ends when the stack fails first: a full disk
 * under the owner ends it with the stack's one line (exit 2; what was recorded is kept); an
 * attached command whose owner went away is told how to go on.
 */
import { RequestError } from '../contracts/request-error.ts';
import { nasHome, type Stack } from '../stack/embedded.ts';

export function unlessStackFails<T>(
  stack: Stack,
  following: Promise<T>,
  what: string,
  /** The command that continues the run. */
  continueWith: string,
): Promise<T> {
  following.catch(() => {}); // when the stack fails first, following ends with the stack's connection
  return Promise.race([following, stack.failure()]).catch((error: unknown) => {
    if (error instanceof RequestError) throw error;
    if (stack.mode !== 'attached') throw error;
    throw new RequestError(
      'NAS_HOME',
      `the stack of ${nasHome()} went away while following ${what}: \`${continueWith}\` continues it`,
    );
  });
}
