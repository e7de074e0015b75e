/** Commander's parse errors as one RequestError naming the flag, argument or command, like every other bad input. */
import type { Command, CommanderError } from 'commander';
import { RequestError } from '../contracts/request-error.ts';

const HELP_CODES = ['commander.helpDisplayed', 'commander.help', 'commander.version'];

export function isHelpShown(err: unknown): err is CommanderError {
  return err instanceof Error && HELP_CODES.includes((err as CommanderError).code);
}

export function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/** `error: unknown option '--fo'\n(Did you mean --foo?)` -> ` (did you mean --foo?)`. */
function suggestion(message: string): string {
  const match = /\(Did you mean (?:one of )?(.+)\?\)/.exec(message);
  return match ? ` (did you mean ${match[1]}?)` : '';
}

/** The error commander raised in `command`, as the one line `cli/main.ts` prints; help shown passes through. */
export function usageError(command: Command, err: CommanderError): Error {
  if (HELP_CODES.includes(err.code)) return err;
  const path = commandPath(command);
  /** The command's words after `nas`, as a field of the one line (`search status`). */
  const words = path.split(' ').slice(1);
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  const seeHelp = `\`${path} --help\``;
  switch (err.code) {
    case 'commander.unknownOption':
      return new RequestError(quoted, `unknown flag of ${path}${suggestion(err.message)}; ${seeHelp} lists them`);
    case 'commander.unknownCommand': {
      const known = command.commands.map((c) => c.name()).join(', ');
      return new RequestError(
        [...words, quoted].join(' '),
        `unknown command${suggestion(err.message)}; known: ${known}`,
      );
    }
    case 'commander.missingArgument': {
      const usage = command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
      return new RequestError(`<${quoted}>`, `is required: ${path} ${usage}`);
    }
    case 'commander.optionMissingArgument': {
      const [name, value] = quoted.split(' ');
      return new RequestError(name, `needs a value ${value}`);
    }
    case 'commander.conflictingOption': {
      const [first, second] = [...err.message.matchAll(/option '([^' ]+)/g)].map((m) => m[1]);
      return new RequestError(first, `cannot be used with ${second}`);
    }
    case 'commander.excessArguments': {
      const [expected, got] = [...err.message.matchAll(/\d+/g)].map((m) => m[0]);
      return new RequestError(words.join(' '), `takes ${expected} argument(s), got ${got}; ${seeHelp} shows its usage`);
    }
    default:
      return new RequestError(path, err.message.replace(/^error: /, '').split('\n')[0]);
  }
}
