/**
 * Building blocks of the command definitions: flags with their description, the default the
 * request builders apply and the allowed values, all shown by `--help`. Commander parses the
 * strings; the builders (cli/search-request.ts, ...) convert and validate them, so a bad value
 * gets their error naming the flag.
 */
import { Option, type Command } from 'commander';
import { FORMATS } from './format.ts';
import { BACKEND_CHOICES } from './backend-flag.ts';

export interface FlagDetails {
  /** Shown as `(default: ...)`: the value the request builder uses when the flag is absent. */
  default?: string | number;
  /** Shown instead of `default` when the default is not one value (`the search's`). */
  defaultText?: string;
  /** Shown as `(choices: ...)`; the builders check them, so the error stays theirs. */
  choices?: readonly string[];
  /** Heading of the group the flag is listed under. */
  group?: string;
}

/** `flag('--trials <n>', 'trials to run', { default: 8 })`; a flag without `<value>` is a switch. */
export function flag(flags: string, description: string, details: FlagDetails = {}): Option {
  const option = new Option(flags, description);
  if (details.defaultText !== undefined) option.default(details.default ?? '', details.defaultText);
  else if (details.default !== undefined) option.default(details.default);
  // Not option.choices(): that would validate before the builders, with commander's message.
  if (details.choices) option.argChoices = [...details.choices];
  if (details.group) option.helpGroup(details.group);
  return option;
}

export function addFlags(command: Command, options: Option[]): Command {
  for (const option of options) command.addOption(option);
  return command;
}

/** One example line after the flags. */
export function example(command: Command, line: string): Command {
  return command.addHelpText('after', `\nExample:\n  $ ${line}`);
}

export const EXIT_CODES = [
  'Exit codes:',
  '  0    the command did what it was asked (with --wait: the run finished; failed or diverged trials are results in its table)',
  '  1    the run ended failed, stopped or cancelled, or an unexpected error',
  '  2    bad input: one line `nas: <flag>: <problem>` on stderr, nothing started',
  '  130  interrupted (Ctrl-C)',
].join('\n');

export const OUTPUT_STREAMS = 'Tables, JSON and reports go to stdout; notices, progress lines and logs to stderr.';

/** `--wait`, the `--format` of the results it prints, and its exit codes (help text after the flags is not wrapped: lines under 80 columns). */
export function waitFlag(command: Command, what: string): Command {
  command.addOption(flag('--wait', `follow the ${what} until it ends (progress on stderr), then print its results`));
  command.addOption(formatFlag(FORMATS, 'format of the results printed with --wait'));
  return command.addHelpText(
    'after',
    [
      '',
      'Exit codes with --wait:',
      `  0    the ${what} finished (failed or diverged trials are results in its table)`,
      `  1    the ${what} ended failed or stopped`,
      '  130  interrupted (Ctrl-C)',
      'Without --wait: 0 once it started. Bad input: 2, nothing started.',
    ].join('\n'),
  );
}

export function formatFlag(choices: readonly string[] = FORMATS, description = 'output format'): Option {
  return flag('--format <format>', description, { default: 'table', choices });
}

/** `--json`, kept as another spelling of `--format json`. */
export function jsonFlag(): Option {
  return flag('--json', 'same as --format json').conflicts('format');
}

export const IN_PROCESS_TRAINER =
  'backend of the in-process trainer when this command runs the stack (--wait, no stack running): a tfjs backend, or simulated (no training, for benchmarks)';

export function backendFlag(description = IN_PROCESS_TRAINER, group?: string): Option {
  return flag('--backend <backend>', description, { default: 'auto', choices: BACKEND_CHOICES, group });
}

/** `--threads <n>`: threads each training of a trainer (`whose`) computes on. */
export function threadsFlag(whose = 'the in-process trainer (--wait, no stack running)', group?: string): Option {
  return flag('--threads <n>', `threads each training of ${whose} computes on (wasm and cpu backends)`, {
    defaultText: '1',
    group,
  });
}

export function taskQueueFlag(
  description = 'trainer task queue (device class) the trainings go to',
  group?: string,
): Option {
  return flag('--task-queue <queue>', description, { defaultText: "the stack's own trainer queue", group });
}

/** `--parallel <n>`: `what` is the rest of the sentence ("trials trained at once"). */
export function parallelFlag(what: string, group?: string): Option {
  return flag('--parallel <n>', what, { default: 1, group });
}
