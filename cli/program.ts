/** The `nas` program: every command defined once (cli/definitions/), parsed and documented by commander. */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { defineBaselines } from './definitions/baselines.ts';
import { defineCells } from './definitions/cells.ts';
import { defineEstimators } from './definitions/estimators.ts';
import { defineExport } from './definitions/export.ts';
import { defineLeaderboard } from './definitions/leaderboard.ts';
import { defineReference } from './definitions/reference.ts';
import { defineScaling } from './definitions/scaling.ts';
import { defineSearch } from './definitions/search.ts';
import { defineStack } from './definitions/stack.ts';
import { EXIT_CODES, OUTPUT_STREAMS } from './options.ts';
import { commandPath, usageError } from './usage-errors.ts';

/** Every command that runs something (no sub-commands of its own), in definition order. */
export function leafCommands(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leafCommands);
}

/** Every command, with its usage and summary, for `nas --help`. */
function everyCommand(program: Command): string {
  const lines = leafCommands(program).map(
    (command) => [`  ${commandPath(command)} ${command.usage()}`, command.summary()] as const,
  );
  const width = Math.max(...lines.map(([term]) => term.length));
  return lines.map(([term, summary]) => `${term.padEnd(width)}  ${summary}`).join('\n');
}

/**
 * Errors are not printed here: cli/main.ts turns each into one line (exitOverride, and no
 * outputError). Help goes to stdout when asked for, to stderr when a command is missing.
 */
function configure(command: Command): void {
  command
    .exitOverride((err) => {
      throw usageError(command, err);
    })
    .configureOutput({ outputError: () => {} })
    .showHelpAfterError(false)
    .showSuggestionAfterError(true);
  command.helpOption('-h, --help', 'show this help');
  if (command.commands.length > 0) command.helpCommand('help [command]', 'show the help of a command');
  for (const sub of command.commands) configure(sub);
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export function createProgram(): Command {
  const program = new Command('nas')
    .version(version, '-V, --version', 'print the version')
    .description(
      'Neural architecture search: searches, baselines and scaling studies on Temporal, results in Postgres.',
    )
    .usage('<command> [sub-command] [options]   (`nas <command> [sub-command] --help`: its flags)');
  defineSearch(program);
  defineLeaderboard(program);
  defineBaselines(program);
  defineCells(program);
  defineExport(program);
  defineScaling(program);
  defineReference(program);
  defineEstimators(program);
  defineStack(program);
  configure(program);
  // Every command with its sub-commands, rather than commander's list of the first level only.
  program.configureHelp({ visibleCommands: () => [] });
  program.addHelpText('after', `\nCommands:\n${everyCommand(program)}\n\n${OUTPUT_STREAMS}\n\n${EXIT_CODES}`);
  return program;
}
