/**
 * The `nas` command: the command line is parsed by the definitions (cli/program.ts), then the
 * command runs. Exit codes: 0 done, 1 the run ended failed/stopped or an unexpected error,
 * a refusal's own (contracts/refusal.ts; 2, bad input: one line on stderr, nothing started),
 * 130 interrupted.
 */
import { Refusal } from '../contracts/refusal.ts';
import { fullHomeDiskError } from '../stack/disk-space.ts';
import { parseCommandLine } from './command-line.ts';
import { describeDatasetFlags } from './dataset-flag.ts';
import type { Invocation } from './invocation.ts';
import { Interrupted } from './follow.ts';
import { printNote } from './output.ts';
import { commandPath, isHelpShown } from './usage-errors.ts';

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
      return err.exitCode;
    }
    if (err instanceof Refusal) {
      printNote(`nas: ${boundedLine(err.message)}`);
      return err.exitCode;
    }
    const fullDisk = fullHomeDiskError();
    if (fullDisk) {
      printNote(`nas: ${fullDisk.message}`);
      return fullDisk.exitCode;
    }
    const where = invocation ? commandPath(invocation.command) : 'nas';
    printNote(`${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
