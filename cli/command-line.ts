/** Parsing the command line with the definitions (cli/definitions/): the command it names, not yet run. */
import type { Command } from 'commander';
import { recordedInvocation, type Invocation } from './invocation.ts';
import { createProgram } from './program.ts';

/**
 * The command `argv` names with its flags; throws commander's CommanderError for help shown, and
 * a RequestError for unknown flags or commands and missing arguments (cli/usage-errors.ts).
 */
export function parseCommandLine(argv: string[], program: Command = createProgram()): Invocation {
  program.parse(helpAsFlag(argv, program), { from: 'user' });
  const invocation = recordedInvocation(program);
  if (!invocation) throw new Error(`nas ${argv.join(' ')}: no command ran`);
  return invocation;
}

/**
 * `nas help search start` and `nas search help start` as `nas search start --help`: commander's
 * help command passes on only the word after it, so it showed the group's help. A `help` after
 * a command that takes arguments is an argument (a search named help).
 */
function helpAsFlag(argv: string[], program: Command): string[] {
  let group: Command | undefined = program;
  for (const [at, word] of argv.entries()) {
    if (!group || word.startsWith('-')) return argv;
    if (word === 'help') return [...argv.slice(0, at), ...argv.slice(at + 1), '--help'];
    group = group.commands.find((c) => c.name() === word);
    if (group?.commands.length === 0) return argv;
  }
  return argv;
}
