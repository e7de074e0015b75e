/** `nas scaling start|status|stop|resume|report`: compound-scaling studies. */
import type { Command } from 'commander';
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
import { BUDGETS, SCALING_DEFAULTS } from '../scaling-request.ts';
import { DEFAULT_PLATEAU, DEFAULT_PLATEAU_MAX_EPOCHS } from '../../contracts/plateau.ts';
import { protocolFlags } from './protocol-flags.ts';

const STUDY = 'Study:';
const commands = () => import('../commands/scaling.ts');

function studyArgument(command: Command, what: string): Command {
  return command.argument('<study-id>', what);
}

export function defineScaling(program: Command): void {
  const scaling = program
    .command('scaling')
    .summary('compound-scaling studies (EfficientNet): grid search of alpha, beta, gamma, then scale');

  const start = scaling
    .command('start')
    .summary('start a study: grid at phi=1, then compound and single-axis scaling up to --phi-max');
  addFlags(start, [
    flag(
      '--base <name|file>',
      'an EfficientNet-style network (efficientnet-b0-small, or the published efficientnet-b0) or a genotype JSON file (version 1 or 2, compound scaling at phi 0)',
      {
        default: SCALING_DEFAULTS.base,
        group: STUDY,
      },
    ),
    flag('--grid-step <step>', 'grid step of alpha, beta, gamma', { default: SCALING_DEFAULTS.gridStep, group: STUDY }),
    flag('--tolerance <t>', 'allowed deviation of alpha * beta^2 * gamma^2 from 2', {
      default: SCALING_DEFAULTS.tolerance,
      group: STUDY,
    }),
    flag('--phi-max <phi>', 'largest compound coefficient', { default: SCALING_DEFAULTS.phiMax, group: STUDY }),
    flag('--id <study-id>', 'study id', { defaultText: 'scaling-<base>-s<seed>-<time>', group: STUDY }),
    ...repeatFlags(),
    ...budgetFlags(),
    parallelFlag('trainings run at once', STUDY),
    ...protocolFlags(),
    taskQueueFlag(undefined, 'Trainers:'),
    backendFlag(undefined, 'Trainers:'),
    threadsFlag(undefined, 'Trainers:'),
  ]);
  waitFlag(start, 'study');
  example(start, 'nas scaling start --grid-step 0.1 --phi-max 2 --epochs 1 --wait');
  start.action(runs(async (input) => (await commands()).startStudy(input)));

  const status = studyArgument(scaling.command('status').summary('progress of a study'), 'the study');
  example(status, 'nas scaling status scaling-efficientnet-b0-small-s1-20260101-120000');
  status.action(runs(async (input) => (await commands()).studyStatus(input)));

  const stop = studyArgument(scaling.command('stop').summary('stop a study (resume it later)'), 'the study');
  example(stop, 'nas scaling stop scaling-efficientnet-b0-small-s1-20260101-120000');
  stop.action(runs(async (input) => (await commands()).stopStudy(input)));

  const resume = studyArgument(
    scaling.command('resume').summary('run a stopped or interrupted study again: recorded trials are kept'),
    'the study',
  );
  addFlags(resume, [
    flag('--restart', 'terminate a run of the study that is still open (its workers are gone) and start again'),
    ...repeatFlags(' (more than the study had: only the new seeds train)'),
    backendFlag(),
    threadsFlag(),
  ]);
  waitFlag(resume, 'study');
  example(resume, 'nas scaling resume scaling-efficientnet-b0-small-s1-20260101-120000 --wait');
  example(resume, 'nas scaling resume scaling-efficientnet-b0-small-s1-20260101-120000 --repeats 3 --wait');
  resume.action(runs(async (input) => (await commands()).resumeStudy(input)));

  const report = studyArgument(
    scaling.command('report').summary('points of a study, the verdict on compound scaling, a plot'),
    'the study',
  );
  addFlags(report, [
    formatFlag(),
    jsonFlag(),
    flag('--svg <file>', 'write a plot of accuracy against FLOPs, one line per method'),
    flag('--table <which>', 'print one table only: trainings, methods (mean per method and phi) or comparisons', {
      defaultText: 'all (CSV: trainings)',
    }),
  ]);
  example(report, 'nas scaling report scaling-efficientnet-b0-small-s1-20260101-120000 --svg scaling.svg');
  report.action(runs(async (input) => (await commands()).reportStudy(input)));
}

function repeatFlags(more = '') {
  return [
    flag('--repeats <R>', `trainings of every scaled network, seeds protocol seed + 0..R-1${more}`, {
      defaultText: more ? 'as recorded' : '1',
      group: STUDY,
    }),
    flag('--grid-repeats <R>', `trainings of every grid point at phi=1, likewise${more}`, {
      defaultText: more ? 'as recorded' : '1',
      group: STUDY,
    }),
  ];
}

const BUDGET = 'Training budget:';

function budgetFlags() {
  return [
    flag(
      '--budget <kind>',
      'fixed: every network trains --epochs; plateau: until the best validation accuracy rose by at most --min-delta over the last --patience epochs, at most --max-epochs',
      { default: 'fixed', choices: BUDGETS, group: BUDGET },
    ),
    flag('--max-epochs <n>', 'plateau budget: epoch cap', { default: DEFAULT_PLATEAU_MAX_EPOCHS, group: BUDGET }),
    flag('--patience <n>', 'plateau budget: epochs the best validation accuracy has to rise in', {
      default: DEFAULT_PLATEAU.patience,
      group: BUDGET,
    }),
    flag('--min-delta <fraction>', 'plateau budget: smallest rise that counts (0.005 = half a point)', {
      default: DEFAULT_PLATEAU.minDelta,
      group: BUDGET,
    }),
  ];
}
