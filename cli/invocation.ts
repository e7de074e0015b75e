/**
 * What a command definition's action records: the command the command line named, the flags the
 * user gave and its operands. Recording rather than running keeps parsing synchronous and lets
 * tests parse without running anything (cli/command-line.ts).
 */
import type { Command } from 'commander';
import type { Flags } from './args.ts';

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

/** The action of a command definition: records the invocation on the program. */
export function runs(handler: Handler) {
  return (...actionArgs: unknown[]): void => {
    const command = actionArgs[actionArgs.length - 1] as Command;
    invocations.set(rootOf(command), {
      command,
      input: { flags: givenFlags(command), args: [...command.args] },
      handler,
    });
  };
}

/** The invocation the last parse of `program` recorded, if a command's action ran. */
export function recordedInvocation(program: Command): Invocation | undefined {
  return invocations.get(program);
}
