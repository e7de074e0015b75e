/**
 * The default each flag's --help shows is the one the request builder applies: giving a flag its
 * shown default builds the same request as leaving it out.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { createProgram } from '../cli/program.ts';
import { scalingRequestFromFlags } from '../cli/scaling-request.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import type { SearchRequest } from '../search/request.ts';
import { resolveConfig } from '../search/strategies/config.ts';

const program = createProgram();
const command = (...path: string[]) =>
  path.reduce<Command>((parent, name) => parent.commands.find((c) => c.name() === name)!, program);

/** Flags whose default is one value (not a description such as "the search's"). */
function shownDefaults(of: Command): Array<[string, string]> {
  return of.options
    .filter((o) => o.defaultValue !== undefined && o.defaultValueDescription === undefined)
    .map((o) => [o.long!, String(o.defaultValue)]);
}

/** Flags that apply only along with others: their default is shown for that case. */
const CONTEXT: Record<string, string[]> = {
  '--controller-lr': ['--strategy', 'reinforce'],
  '--controller-batch': ['--strategy', 'reinforce'],
  '--population': ['--strategy', 'evolution'],
  '--tournament': ['--strategy', 'evolution'],
  '--sharing-arm': ['--strategy', 'enas'],
  '--sharing-rounds': ['--strategy', 'enas'],
  '--sharing-steps': ['--strategy', 'enas'],
  '--sharing-candidates': ['--strategy', 'enas'],
  '--sharing-warmup': ['--strategy', 'enas'],
  '--sharing-lr': ['--strategy', 'enas'],
  '--sharing-val-batches': ['--strategy', 'enas'],
  '--halving-eta': ['--halving-levels', '2'],
  '--halving-levels': ['--halving-eta', '2'],
  '--mnas-cost': ['--reward', 'mnas', '--mnas-target', '1000000'],
  '--mnas-weight': ['--reward', 'mnas', '--mnas-target', '1000000'],
  '--finalize-repeats': ['--finalize-top', '2'],
  '--max-epochs': ['--budget', 'plateau'],
  '--patience': ['--budget', 'plateau'],
  '--min-delta': ['--budget', 'plateau'],
};

describe('defaults shown by --help', () => {
  it.each(shownDefaults(command('search', 'start')))('nas search start %s %s is the default', (flag, value) => {
    const request = (...argv: string[]) =>
      searchRequestFromFlags(
        parseCommandLine(['search', 'start', '--id', 'defaults', ...(CONTEXT[flag] ?? []), ...argv]).input.flags,
        { checkData: false },
      );
    // A strategy's tuning is stored only when given; the strategy resolves the same settings either way.
    const resolved = (r: SearchRequest) => ({ ...r, strategy: resolveConfig(r.strategy) });
    expect(resolved(request(`${flag}=${value}`))).toEqual(resolved(request()));
  });

  it.each(shownDefaults(command('scaling', 'start')))('nas scaling start %s %s is the default', (flag, value) => {
    const request = (...argv: string[]) =>
      scalingRequestFromFlags(
        parseCommandLine(['scaling', 'start', '--id', 'defaults', ...(CONTEXT[flag] ?? []), ...argv]).input.flags,
        { checkData: false },
      );
    expect(request(`${flag}=${value}`)).toEqual(request());
  });
});
