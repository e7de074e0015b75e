/** `nas search ...`: start, follow, steer, finalize and list searches. */
import type { Command } from 'commander';
import { DEFAULT_FINAL_REPEATS } from '../../search/final.ts';
import { NASNET_OPS } from '../../contracts/genotypes.ts';
import { SCREEN_ESTIMATORS } from '../../contracts/estimators.ts';
import { KEEP_WEIGHTS, SPACES, STRATEGIES } from '../../search/request.ts';
import { EVOLUTION_DEFAULTS, REINFORCE_DEFAULTS } from '../../search/strategies/config.ts';
import { SHARING_ARMS, SHARING_DEFAULTS } from '../../search/sharing.ts';
import { CPU_NETWORK, MNAS_COSTS, REWARDS, SEARCH_DEFAULTS } from '../search-request.ts';
import { runs } from '../invocation.ts';
import {
  addFlags,
  backendFlag,
  threadsFlag,
  example,
  flag,
  formatFlag,
  jsonFlag,
  parallelFlag,
  taskQueueFlag,
  waitFlag,
} from '../options.ts';
import { finalProtocolFlags, protocolFlags } from './protocol-flags.ts';

const SEARCH = 'Search:';
const SPACE = 'Search space (NASNet):';
const STRATEGY = 'Strategy:';
const SCREEN = 'Screening (a zero-cost proxy or params/flops ranks proposals before any is trained):';
const REWARD = 'Cost budget and reward:';
const FINAL = 'Final evaluation when the search ends (--finalize-top):';
const TRAINERS = 'Trainers:';
const SHARING =
  'Weight sharing (--strategy enas: one shared NASNet network; --trials is rounds x candidates, --parallel 1):';

const commands = () => import('../commands/search.ts');
const finalizeCommands = () => import('../commands/finalize.ts');

function defineStart(search: Command): void {
  const d = SEARCH_DEFAULTS;
  const start = search
    .command('start')
    .summary('launch a search')
    .description('Launch a neural architecture search: the request is validated first (nothing starts on bad input).');
  addFlags(start, [
    flag('--id <search-id>', 'search id; the same id with the same request follows that search', {
      defaultText: '<space>-<strategy>-s<seed>-<time>',
      group: SEARCH,
    }),
    flag('--trials <n>', 'candidate architectures to train', { default: d.trials, group: SEARCH }),
    parallelFlag('trials trained at once', SEARCH),
    flag('--space <space>', 'search space', { default: d.space, choices: SPACES, group: SPACE }),
    flag('--blocks <n>', 'blocks per NASNet cell', { defaultText: '5', group: SPACE }),
    flag('--ops <op,...>', `operations a block may use, of: ${NASNET_OPS.join(', ')}`, {
      defaultText: 'all',
      group: SPACE,
    }),
    flag('--combine <add[,concat]>', 'how a block may combine its two inputs', { defaultText: 'add', group: SPACE }),
    flag('--cells-per-stage <n>', 'normal cells per stage of the network trained', {
      default: CPU_NETWORK.cellsPerStage,
      group: SPACE,
    }),
    flag('--reductions <n>', 'reduction cells (stages - 1)', { default: CPU_NETWORK.reductions, group: SPACE }),
    flag('--filters <n>', 'filters of the first stage', { default: CPU_NETWORK.filters, group: SPACE }),
    flag('--strategy <name>', 'search strategy (enas: weight sharing, see below)', {
      default: d.strategy,
      choices: STRATEGIES,
      group: STRATEGY,
    }),
    flag('--seed-architectures <file>', 'JSON genotypes (one or a list) evaluated first', { group: STRATEGY }),
    flag('--window <n>', 'proposal window of a learning strategy (proposals made before earlier results are in)', {
      defaultText: '0 at --parallel 1 (every result seen before the next proposal), else max(8, --parallel)',
      group: STRATEGY,
    }),
    flag('--controller-lr <rate>', 'REINFORCE controller learning rate', {
      default: REINFORCE_DEFAULTS.learningRate,
      group: STRATEGY,
    }),
    flag('--controller-batch <n>', 'REINFORCE rewards per controller update', {
      default: REINFORCE_DEFAULTS.batchSize,
      group: STRATEGY,
    }),
    flag(
      '--sharing-arm <arm>',
      'enas: who samples the architectures trained and scored: the REINFORCE controller, or uniform draws (uniform weight sharing, the baseline arm)',
      {
        default: SHARING_DEFAULTS.arm,
        choices: SHARING_ARMS,
        group: SHARING,
      },
    ),
    flag(
      '--sharing-rounds <n>',
      'enas: rounds of (train the shared network, score candidates, update the controller)',
      {
        default: SHARING_DEFAULTS.rounds,
        group: SHARING,
      },
    ),
    flag(
      '--sharing-steps <n>',
      'enas: training steps of the shared network per round, one sampled architecture and batch each',
      {
        default: SHARING_DEFAULTS.stepsPerRound,
        group: SHARING,
      },
    ),
    flag(
      '--sharing-candidates <n>',
      'enas: architectures scored per round (recorded as trials; the controller learns from their scores)',
      {
        default: SHARING_DEFAULTS.candidates,
        group: SHARING,
      },
    ),
    flag('--sharing-warmup <n>', 'enas: first rounds that train the shared network on uniform samples', {
      default: SHARING_DEFAULTS.warmupRounds,
      group: SHARING,
    }),
    flag('--sharing-lr <rate>', 'enas: learning rate of the shared weights (momentum SGD 0.9)', {
      default: SHARING_DEFAULTS.learningRate,
      group: SHARING,
    }),
    flag('--sharing-val-batches <n>', 'enas: validation batches (of --batch-size) each candidate is scored on', {
      default: SHARING_DEFAULTS.validationBatches,
      group: SHARING,
    }),
    flag('--population <n>', 'evolution population', { default: EVOLUTION_DEFAULTS.population, group: STRATEGY }),
    flag('--tournament <n>', 'evolution tournament size', { default: EVOLUTION_DEFAULTS.sample, group: STRATEGY }),
    flag('--halving-eta <n>', 'successive halving: keep 1/eta of the candidates per level', {
      default: d.halvingEta,
      group: STRATEGY,
    }),
    flag('--halving-levels <n>', 'successive halving: fidelity levels', { default: d.halvingLevels, group: STRATEGY }),
    flag(
      '--screen <estimator>',
      'score --screen-candidates proposals with this cheap estimator and train only the --trials best (random search; evolution: each trial the best of its share of the children)',
      { choices: SCREEN_ESTIMATORS, group: SCREEN },
    ),
    flag('--screen-candidates <n>', 'proposals scored by --screen (at least --trials)', { group: SCREEN }),
    flag('--max-params <n>', 'candidates with more parameters are recorded over_budget, untrained', { group: REWARD }),
    flag('--max-flops <n>', 'candidates with more FLOPs (multiply-adds) are recorded over_budget, untrained', {
      group: REWARD,
    }),
    flag(
      '--max-latency <ms>',
      'candidates whose batch-1 inference latency on the trainer (measured before training) exceeds it are recorded over_budget, untrained',
      { group: REWARD },
    ),
    flag('--reward <reward>', 'what the strategy maximizes', { default: d.reward, choices: REWARDS, group: REWARD }),
    flag('--mnas-cost <cost>', 'cost of the MnasNet reward acc * (cost / T)^w', {
      default: d.mnasCost,
      choices: MNAS_COSTS,
      group: REWARD,
    }),
    flag(
      '--mnas-target <T>',
      'target cost T (required with --reward mnas): parameters, FLOPs, or ms at batch 1 on the trainer for latency',
      { group: REWARD },
    ),
    flag('--mnas-weight <w>', 'exponent w (write --mnas-weight=-0.07 or --mnas-weight -0.07)', {
      default: d.mnasWeight,
      group: REWARD,
    }),
    ...protocolFlags(),
    flag(
      '--keep-weights <which>',
      'search trials that keep their trained weights for `nas export` (final and baseline trials always do): all succeeded ones, or none',
      {
        default: d.keepWeights,
        choices: KEEP_WEIGHTS,
        group: SEARCH,
      },
    ),
    flag('--finalize-top <K>', "retrain the search's best K candidates under a final protocol when its loop ends", {
      group: FINAL,
    }),
    flag('--finalize-repeats <R>', 'seeds per candidate', { default: DEFAULT_FINAL_REPEATS, group: FINAL }),
    flag('--finalize-baselines <a,b>', 'baselines trained alongside (see `nas baselines list`)', { group: FINAL }),
    ...finalProtocolFlags('finalize-', FINAL),
    taskQueueFlag(undefined, TRAINERS),
    backendFlag(undefined, TRAINERS),
    threadsFlag(undefined, TRAINERS),
  ]);
  waitFlag(start, 'search');
  example(start, 'nas search start --space nasnet --strategy reinforce --trials 50 --parallel 2 --epochs 2 --wait');
  start.addHelpText(
    'after',
    '  $ nas search start --dataset folder:/data/flowers --input-size 64 --train-size 2000 --val-size 400 --test-size 500 --wait',
  );
  start.action(runs(async (input) => (await commands()).startSearch(input)));
}

function defineSteering(search: Command): void {
  const status = search
    .command('status')
    .summary('progress, best so far, running trials')
    .argument('<search-id>', 'a search, baseline run, scaling study or final evaluation id')
    .addOption(formatFlag())
    .addOption(jsonFlag());
  example(status, 'nas search status nasnet-random-s1-20260101-120000 --format json');
  status.action(runs(async (input) => (await commands()).searchStatus(input)));

  for (const [name, summary] of [
    ['stop', 'stop: running trials are cancelled and recorded'],
    ['pause', 'pause: running trials finish, no new ones start'],
  ] as const) {
    const steer = search.command(name).summary(summary).argument('<search-id>', 'the run to steer');
    example(steer, `nas search ${name} nasnet-random-s1-20260101-120000`);
    steer.action(runs(async (input) => (await commands()).steerSearch(name, input)));
  }

  const resume = search
    .command('resume')
    .summary('resume a paused search; with no stack running, start one and finish the search')
    .argument('<search-id>', 'the run to resume');
  waitFlag(resume, 'search');
  example(resume, 'nas search resume nasnet-random-s1-20260101-120000 --wait');
  resume.action(runs(async (input) => (await commands()).steerSearch('resume', input)));

  const scale = search
    .command('scale')
    .summary('change how many trials train at once')
    .argument('<search-id>', 'the run to re-size')
    .argument('<parallel>', 'trials trained at once from now on');
  example(scale, 'nas search scale nasnet-random-s1-20260101-120000 4');
  scale.action(runs(async (input) => (await commands()).steerSearch('scale', input)));
}

function defineFinalize(search: Command): void {
  const FINALIZE = 'Final evaluation:';
  const finalize = search
    .command('finalize')
    .summary("retrain a finished search's best candidates and chosen baselines, R seeds each")
    .description(
      "Retrain the search's best --top K candidates and the --baselines named, --repeats R times each, under a final " +
        "protocol: by default the search protocol's fields on the whole training set (less a validation split) and test set.",
    )
    .argument('<search-id>', 'a finished search');
  addFlags(finalize, [
    flag('--top <K>', 'best candidates of the search (its leaderboard order)', { default: 3, group: FINALIZE }),
    flag('--repeats <R>', 'seeds per candidate', { default: DEFAULT_FINAL_REPEATS, group: FINALIZE }),
    flag('--baselines <a,b>', 'baselines trained alongside (see `nas baselines list`)', { group: FINALIZE }),
    flag('--id <final-id>', 'id of the final evaluation', {
      defaultText: '<search-id>-final-<hash of the request>',
      group: FINALIZE,
    }),
    parallelFlag('trainings run at once', FINALIZE),
    ...finalProtocolFlags('', 'Final protocol:'),
    taskQueueFlag(undefined, TRAINERS),
    backendFlag(undefined, TRAINERS),
    threadsFlag(undefined, TRAINERS),
  ]);
  waitFlag(finalize, 'final evaluation');
  example(
    finalize,
    'nas search finalize nasnet-random-s1-20260101-120000 --top 3 --repeats 3 --baselines lenet5,resnet20 --epochs 10 --wait',
  );
  finalize.action(runs(async (input) => (await finalizeCommands()).finalizeSearch(input)));

  const fidelity = search
    .command('fidelity')
    .summary('did the cheap search trainings predict the final ranking? (Spearman, Kendall, top-k overlap)')
    .argument('<search-id>', 'a search with a final evaluation')
    .addOption(flag('--final-id <final-id>', 'which final evaluation', { defaultText: 'the latest' }))
    .addOption(formatFlag());
  example(fidelity, 'nas search fidelity nasnet-random-s1-20260101-120000 --format json');
  fidelity.action(runs(async (input) => (await finalizeCommands()).searchFidelity(input)));
}

function defineList(search: Command): void {
  const list = search
    .command('list')
    .summary('every search, baseline run, scaling study and final evaluation recorded, newest first')
    .addOption(formatFlag());
  example(list, 'nas search list --format csv');
  list.action(runs(async (input) => (await import('../commands/search-list.ts')).searchList(input)));
}

export function defineSearch(program: Command): void {
  const search = program.command('search').summary('start, follow, steer, finalize and list searches');
  defineStart(search);
  defineSteering(search);
  defineFinalize(search);
  defineList(search);
}
