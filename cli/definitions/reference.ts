/** `nas reference ...`: build, inspect and export the reference set of the default NASNet space (issue 28). */
import type { Command } from 'commander';
import {
  DEFAULT_REFERENCE_ARCHITECTURES,
  DEFAULT_REFERENCE_SEED,
  DEFAULT_SECOND_SEED_ARCHITECTURES,
  MAX_REFERENCE_ARCHITECTURES,
} from '../../search/reference.ts';
import { REFERENCE_FILE_IN_PROJECT } from '../reference-file-path.ts';
import { runs } from '../invocation.ts';
import {
  addFlags,
  backendFlag,
  threadsFlag,
  example,
  flag,
  formatFlag,
  parallelFlag,
  taskQueueFlag,
  waitFlag,
} from '../options.ts';

const BUILD = 'Reference set:';
const TRAINERS = 'Trainers:';
const commands = () => import('../commands/reference.ts');

function defineBuild(reference: Command): void {
  const build = reference
    .command('build')
    .summary(
      'train architectures drawn uniformly from the default NASNet space under the reference and the cheap protocol',
    )
    .description(
      'Draw --architectures cells uniformly (seeded by --seed) from the default NASNet space and train each under the reference ' +
        'protocol (12,000 Fashion-MNIST images, one epoch of batch 32: 375 steps; tested on all 10,000 test images) and under ' +
        "the README's cheap search protocol (2,000 images, one epoch of batch 16), the first --second-seed also under the reference " +
        'protocol with training seed --seed + 1. Architecture by architecture, so a build stopped early has all three for its first ones. ' +
        `The trainings of --import (default ${REFERENCE_FILE_IN_PROJECT}, when present) are imported first and every training already done is reused, ` +
        'so an interrupted build, or one on a new machine from the committed file, trains nothing twice.',
    );
  addFlags(build, [
    flag(
      '--architectures <n>',
      `architectures drawn (at most ${MAX_REFERENCE_ARCHITECTURES}); a larger n extends a smaller build`,
      { default: DEFAULT_REFERENCE_ARCHITECTURES, group: BUILD },
    ),
    flag('--second-seed <n>', 'the first n architectures also trained with the second training seed', {
      default: DEFAULT_SECOND_SEED_ARCHITECTURES,
      group: BUILD,
    }),
    flag('--seed <n>', "seed of the draw, of both protocols' data splits and of the first training seed", {
      default: DEFAULT_REFERENCE_SEED,
      group: BUILD,
    }),
    flag('--import <file>', 'a reference file whose trainings are imported first (`none`: no import)', {
      defaultText: `${REFERENCE_FILE_IN_PROJECT} when present`,
      group: BUILD,
    }),
    flag('--id <reference-id>', 'id of the build', {
      defaultText: 'reference-nasnet-s<seed>-<hash of the request>',
      group: BUILD,
    }),
    parallelFlag('trainings run at once', BUILD),
    taskQueueFlag(undefined, TRAINERS),
    backendFlag(undefined, TRAINERS),
    threadsFlag(undefined, TRAINERS),
  ]);
  waitFlag(build, 'reference build');
  example(build, 'nas reference build --architectures 100 --second-seed 30 --seed 7 --wait');
  build.action(runs(async (input) => (await commands()).buildReference(input)));
}

export function defineReference(program: Command): void {
  const reference = program
    .command('reference')
    .summary('build and export the reference set of the NASNet space (estimators are measured against it)');
  defineBuild(reference);

  const status = reference
    .command('status')
    .summary(
      'what a reference build has measured: per kind of training, measured / planned, CPU hours, mean test accuracy',
    )
    .addOption(flag('--id <reference-id>', 'the build', { defaultText: 'the newest' }))
    .addOption(formatFlag());
  example(status, 'nas reference status');
  status.action(runs(async (input) => (await commands()).referenceStatus(input)));

  const exporter = reference
    .command('export')
    .summary('write what a reference build has measured so far as the committed reference file (JSON)')
    .description(
      'Write the architectures measured so far (genotype, hash, params, FLOPs, and per training: seed, protocol hash, accuracies, ' +
        'latency, CPU time), the protocols with their hashes, the commands that rebuild the file and its CPU time. ' +
        'The file is written beside --out, then renamed.',
    );
  addFlags(exporter, [
    flag('--id <reference-id>', 'the build', { defaultText: 'the newest' }),
    flag('--out <file>', 'file to write (`-`: stdout)', { defaultText: REFERENCE_FILE_IN_PROJECT }),
  ]);
  example(exporter, `nas reference export --out ${REFERENCE_FILE_IN_PROJECT}`);
  exporter.action(runs(async (input) => (await commands()).exportReference(input)));
}
