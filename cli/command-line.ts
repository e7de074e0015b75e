/** Parsing the command line with the definitions (cli/definitions/): the command it names, not yet run. */
import type { Command } from 'commander';
import { recordedInvocation, type Invocation } from './invocation';
import { createProgram } from './program';

/**
 * The command `argv` names with its flags; throws commander's CommanderError for help shown, and
 * a RequestError for unknown flags or commands and missing arguments (cli/usage-errors.ts).
 */
export function parseCommandLine(argv: string[], program: Command = createProgram()): Invocation {
  program.parse(argv, { from: 'user' });
  const invocation = recordedInvocation(program);
  if (!invocation) throw new Error(`nas ${argv.join(' ')}: no command ran`);
  return invocation;
}
