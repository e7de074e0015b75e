/** `nas baselines list|train`: the hand-designed baselines, their costs and accuracies. */
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
import { protocolFlags } from './protocol-flags.ts';
import { classesFlag, inputFlag } from '../input-shape.ts';
import { BACKEND_PREFERENCES } from '../../engine/backend-preferences.ts';
import { DEFAULT_PROTOCOL } from '../../contracts/protocol.ts';

const commands = () => import('../commands/baselines.ts');

export function defineBaselines(program: Command): void {
  const baselines = program
    .command('baselines')
    .summary('list the hand-designed baselines; train them under a protocol');

  const list = baselines
    .command('list')
    .summary(
      'every baseline and published network with params and FLOPs, and the accuracies of baselines trained under the protocol given',
    );
  addFlags(list, [
    inputFlag("the dataset's for the baselines, the published size for the published networks"),
    classesFlag("the dataset's for the baselines, the published count for the published networks"),
    ...protocolFlags('Accuracies under the training protocol:'),
    formatFlag(),
    jsonFlag(),
  ]);
  example(list, 'nas baselines list --epochs 10 --format markdown');
  list.action(runs(async (input) => (await commands()).listBaselines(input)));

  const train = baselines
    .command('train')
    .summary('train baselines under a training protocol')
    .argument('[names...]', 'baselines to train (see `nas baselines list`)');
  addFlags(train, [
    flag('--all', 'every baseline'),
    parallelFlag('baselines trained at once'),
    ...protocolFlags(),
    taskQueueFlag(undefined, 'Trainers:'),
    backendFlag(undefined, 'Trainers:'),
    threadsFlag(undefined, 'Trainers:'),
  ]);
  waitFlag(train, 'baseline run');
  example(train, 'nas baselines train lenet5 resnet20 --epochs 10 --wait');
  train.action(runs(async (input) => (await commands()).trainBaselines(input)));

  const latency = baselines
    .command('latency')
    .summary(
      "inference latency of the baselines on this machine (median ms at batch 1 and at a batch), as trainers measure a candidate's",
    )
    .argument('[names...]', 'baselines to measure (default all; see `nas baselines list`)');
  addFlags(latency, [
    flag('--batch-size <n>', 'the second batch size measured', { default: DEFAULT_PROTOCOL.batchSize }),
    inputFlag("the dataset's (28x28x1)"),
    classesFlag("the dataset's (10)"),
    flag('--backend <backend>', 'tfjs backend to measure on', { default: 'auto', choices: BACKEND_PREFERENCES }),
    formatFlag(),
    jsonFlag(),
  ]);
  example(latency, 'nas baselines latency --backend wasm --format markdown');
  latency.action(runs(async (input) => (await import('../commands/baselines-latency.ts')).baselinesLatency(input)));
}
