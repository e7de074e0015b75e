/** `nas estimators report`: how well cheap estimators rank the reference set (issue 28). */
import type { Command } from 'commander';
import { BACKEND_PREFERENCES } from '../../engine/backend-preferences.ts';
import { PROXY_BATCH_SIZE, SHARING_SCORE_BATCHES } from '../../contracts/estimators.ts';
import { MIN_RANKED_ARCHITECTURES } from '../../search/estimator-report.ts';
import { REFERENCE_FILE_IN_PROJECT } from '../reference-file-path.ts';
import { runs } from '../invocation.ts';
import { addFlags, example, flag, formatFlag } from '../options.ts';

export function defineEstimators(program: Command): void {
  const estimators = program
    .command('estimators')
    .summary('judge cheap estimators of accuracy (zero-cost proxies, size, short training) on the reference set');
  const report = estimators
    .command('report')
    .summary(
      'per estimator: CPU cost per candidate, Spearman and Kendall with the reference test accuracies (bootstrap 95% CI), top-10% overlap',
    )
    .description(
      `Computes the zero-cost proxies (synflow, naswot, grad_norm, snip) of every architecture of --reference that has none ` +
        `recorded in this home (in this process, at the initial weights of its reference training, on ${PROXY_BATCH_SIZE} ` +
        "images of the reference protocol's training split), then ranks the architectures by each proxy, by params, by FLOPs " +
        "and by the cheap training's validation accuracy, against their reference test accuracy; the last row is the ceiling, " +
        `the reference training's second seed. Below ${MIN_RANKED_ARCHITECTURES} architectures a correlation is not given.`,
    );
  addFlags(report, [
    flag('--reference <file>', 'the reference set (`nas reference export` writes it)', {
      defaultText: REFERENCE_FILE_IN_PROJECT,
    }),
    flag(
      '--sharing-steps <n>',
      'also uniform weight sharing: train one shared network this many steps on uniformly drawn architectures, then ' +
        `score every reference architecture with its weights on ${SHARING_SCORE_BATCHES} validation batches ` +
        '(kept in $NAS_HOME/sharing/: a later report trains only the steps it lacks; 0: not run)',
      { default: '0' },
    ),
    flag('--backend <backend>', 'tfjs backend the proxies are computed on', {
      default: 'auto',
      choices: BACKEND_PREFERENCES,
    }),
    formatFlag(),
  ]);
  example(report, 'nas estimators report --format markdown');
  example(report, 'nas estimators report --sharing-steps 1000 --format markdown');
  report.action(runs(async (input) => (await import('../commands/estimators.ts')).estimatorsReport(input)));
}
