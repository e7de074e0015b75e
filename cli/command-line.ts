/**
 * Parsing the command line with the definitions (cli/definitions/) and running what it names.
 * Parsing records the command and its flags; running is a separate step, so tests can parse
 * without running anything.
 */
import type { Command } from 'commander';
import type { Flags } from './args';
import { createProgram } from './program';

/** What a command receives: the flags the user gave (no defaults: the request builders apply those) and its operands. */
export interface CommandInput {
  flags: Flags;
  args: string[];
}

export type Handler = (input: CommandInput) => Promise<number>;

export interface Invocation {
  command: Command;
  input: CommandInput;
  handler: Handler;
}

const invocations = new WeakMap<Command, Invocation>();

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** The flags given on the command line, by their long name without dashes (`train-size`). */
export function givenFlags(command: Command): Flags {
  const flags: Flags = {};
  for (const option of command.options) {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    flags[option.name()] = command.getOptionValue(key) as string | boolean;
  }
  return flags;
}

/** The action of a command definition: records the invocation for `parseCommandLine` (so parsing stays synchronous). */
export function runs(handler: Handler) {
  return (...actionArgs: unknown[]): void => {
    const command = actionArgs[actionArgs.length - 1] as Command;
    invocations.set(rootOf(command), { command, input: { flags: givenFlags(command), args: [...command.args] }, handler });
  };
}

/**
 * The command `argv` names with its flags; throws commander's CommanderError for help shown,
 * unknown flags or commands and missing arguments (cli/main.ts turns those into exit codes).
 */
export function parseCommandLine(argv: string[], program: Command = createProgram()): Invocation {
  program.parse(argv, { from: 'user' });
  const invocation = invocations.get(program);
  if (!invocation) throw new Error(`nas ${argv.join(' ')}: no command ran`);
  return invocation;
}
