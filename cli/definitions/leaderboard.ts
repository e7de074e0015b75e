/** `nas leaderboard`: a search's ranking under one training protocol, or its final evaluation. */
import type { Command } from 'commander';
import { LEADERBOARD_SORTS, PARETO_COSTS } from '../../db/vocabulary.ts';
import { runs } from '../invocation.ts';
import { addFlags, example, flag, formatFlag } from '../options.ts';

export function defineLeaderboard(program: Command): void {
  const leaderboard = program
    .command('leaderboard')
    .summary("a search's architectures ranked, with 95% intervals; --final: its final evaluation")
    .description(
      'Rank the architectures of a search under one training protocol (with successive halving its final level, ' +
        'or --fidelity N), each accuracy with its 95% Wilson interval; --final shows the final evaluation instead: ' +
        'mean test accuracy over repeats with its 95% interval, ties with the leader and the Pareto front.',
    );
  addFlags(leaderboard, [
    flag('--search <search-id>', 'the search (required)'),
    flag('--top <n>', 'rows shown', { default: 20 }),
    flag('--sort <key>', 'order', {
      defaultText: 'reward for an MnasNet-reward search, else val_acc',
      choices: LEADERBOARD_SORTS,
    }),
    flag(
      '--pareto <cost>',
      'show only the Pareto front: the rows that no other row matches or beats on validation accuracy at equal or lower cost (one of the two strictly)',
      { choices: PARETO_COSTS },
    ),
    flag('--baselines', 'add the baselines trained under the same protocol'),
    flag('--fidelity <level>', 'successive-halving level', { defaultText: 'the final one' }),
    flag('--final', "the search's latest final evaluation (`nas search finalize`)"),
    flag('--final-id <final-id>', 'that final evaluation (implies --final)'),
    formatFlag(),
  ]);
  example(
    leaderboard,
    'nas leaderboard --search nasnet-random-s1-20260101-120000 --baselines --pareto flops --format markdown',
  );
  leaderboard.action(runs(async (input) => (await import('../commands/leaderboard.ts')).leaderboardCommand(input)));
}
