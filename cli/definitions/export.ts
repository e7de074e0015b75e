/** `nas export`: a trained architecture as ONNX and a tfjs LayersModel, with its genotype, protocol and metrics. */
import type { Command } from 'commander';
import { EXPORT_FORMATS } from '../../cells/exporters/formats.ts';
import { runs } from '../invocation.ts';
import { BACKEND_PREFERENCES } from '../../engine/backend-preferences.ts';
import { addFlags, example, flag } from '../options.ts';

export function defineExport(program: Command): void {
  const command = program
    .command('export')
    .summary(
      'write a trained architecture as ONNX and a tfjs LayersModel, with its genotype, protocol, metrics and a README',
    )
    .description(
      'Write the trained weights of a trial (succeeded final and baseline trials keep theirs, search trials do not) ' +
        'as an ONNX model and a TensorFlow.js LayersModel, beside the genotype, the protocol, the metrics (params, FLOPs, accuracies) ' +
        'and a README with the loading code. The directory is written whole or not at all. ' +
        'Without kept weights it says how to get them, or trains the architecture here with --train.',
    )
    .argument(
      '<trial-id|architecture-hash>',
      'a trial id (<search-id>/<index>), or an architecture hash (or prefix, or a baseline name): its best trial with kept weights',
    );
  addFlags(command, [
    flag('--out <dir>', 'directory to create (must not exist, or be empty)'),
    flag('--format <format>', 'what to write', { default: 'both', choices: EXPORT_FORMATS }),
    flag(
      '--train',
      "when no weights are kept: train the architecture in this process first, under its trial's protocol (an architecture never trained: the default protocol); not recorded",
    ),
    flag('--backend <backend>', 'tfjs backend of the --train training', {
      default: 'auto',
      choices: BACKEND_PREFERENCES,
    }),
  ]);
  example(command, 'nas export my-search-final-1a2b3c4d/0 --out model/');
  command.action(runs(async (input) => (await import('../commands/export.ts')).exportCommand(input)));
}
