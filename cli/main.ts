/**
 * The `nas` command: the command line is parsed by the definitions (cli/program.ts), then the
 * command runs. Exit codes: 0 done, 1 the run ended failed/stopped or an unexpected error,
 * 2 bad input (one line on stderr, nothing started), 130 interrupted.
 */
import { GenotypeError } from '../contracts/genotypes';
import { RequestError } from '../contracts/request-error';
import { fullHomeDiskError } from '../stack/disk-space';
import { parseCommandLine } from './command-line';
import { describeDatasetFlags } from './dataset-flag';
import type { Invocation } from './invocation';
import { Interrupted } from './follow';
import { printNote } from './output';
import { commandPath, isHelpShown } from './usage-errors';

/** Errors that mean "the input is wrong": a configuration message naming the field, exit 2. */
function isInputError(err: unknown): err is Error {
  if (err instanceof RequestError || err instanceof GenotypeError) return true;
  return (
    err instanceof Error &&
    /^(DATABASE_URL|TEMPORAL_ADDRESS|TEMPORAL_CLI|TEMPORAL_TLS_\w+|NAS_DATA_DIR)\b/.test(err.message)
  );
}

/** One line; any quoted value in it cut to about 100 characters. */
export function boundedLine(message: string): string {
  const line = message.split('\n')[0];
  return line.replace(/"([^"]{100})[^"]{8,}"/g, '"$1..."');
}

export async function main(argv: string[]): Promise<number> {
  let invocation: Invocation | undefined;
  try {
    invocation = parseCommandLine(argv);
    await describeDatasetFlags(invocation.input.flags);
    return await invocation.handler(invocation.input);
  } catch (err) {
    // Help asked for (exit 0), or shown because a command is missing (`nas`, `nas search`).
    if (isHelpShown(err)) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof Interrupted) {
      printNote(`nas: ${err.problem}`);
      return 130;
    }
    if (isInputError(err)) {
      printNote(`nas: ${boundedLine(err.message)}`);
      return 2;
    }
    const fullDisk = fullHomeDiskError();
    if (fullDisk) {
      printNote(`nas: ${fullDisk.message}`);
      return 2;
    }
    const where = invocation ? commandPath(invocation.command) : 'nas';
    printNote(`${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
