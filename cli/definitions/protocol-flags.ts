/** The training protocol flags (`--epochs`, ...), also with the `finalize-` prefix for `search start --finalize-top`. */
import type { Option } from 'commander';
import { defaultFinalProtocol } from '../../search/final.ts';
import {
  AUGMENTATIONS,
  DEFAULT_PROTOCOL,
  LR_SCHEDULES,
  OPTIMIZERS,
  type TrainingProtocol,
} from '../../contracts/protocol.ts';
import { flag } from '../options.ts';

interface ProtocolFlag {
  name: string;
  value: string;
  field: keyof TrainingProtocol;
  description: string;
  choices?: readonly string[];
}

export const PROTOCOL_FLAGS: readonly ProtocolFlag[] = [
  {
    name: 'dataset',
    value: 'spec',
    field: 'dataset',
    description:
      'dataset: fashion-mnist (NAS_DATA_DIR), idx:DIR (the four IDX files, gzipped or not), cifar10:DIR (cifar-10-batches-bin), ' +
      'or folder:DIR (one sub-folder of PNG/JPEG images per class, decoded to RGB; DIR/train and DIR/test if both exist, ' +
      'else a fifth of each class, chosen by a fixed seed, is the test set; see README "Your own data")',
  },
  {
    name: 'input-size',
    value: 'n',
    field: 'datasetInfo',
    description:
      'folder: datasets: resize every image to cover n x n pixels and centre-crop (needed when image sizes differ)',
  },
  { name: 'train-size', value: 'n', field: 'trainSize', description: 'training images' },
  { name: 'val-size', value: 'n', field: 'valSize', description: 'validation images, split off the training set' },
  { name: 'test-size', value: 'n', field: 'testSize', description: 'test images evaluated after training (0: none)' },
  { name: 'epochs', value: 'n', field: 'epochs', description: 'training epochs' },
  { name: 'batch-size', value: 'n', field: 'batchSize', description: 'batch size' },
  { name: 'optimizer', value: 'name', field: 'optimizer', description: 'optimizer', choices: OPTIMIZERS },
  { name: 'lr', value: 'rate', field: 'learningRate', description: 'learning rate' },
  {
    name: 'lr-schedule',
    value: 'name',
    field: 'lrSchedule',
    description: 'learning-rate schedule',
    choices: LR_SCHEDULES,
  },
  {
    name: 'augmentation',
    value: 'name',
    field: 'augmentation',
    description: 'data augmentation',
    choices: AUGMENTATIONS,
  },
  {
    name: 'seed',
    value: 'n',
    field: 'seed',
    description: 'seed of the data split (and of initial weights, batch order, proposals)',
  },
  {
    name: 'bn-recalibration',
    value: 'batches',
    field: 'bnRecalibrationBatches',
    description: 'training batches whose statistics reset batch-norm before each evaluation (0: off)',
  },
];

const TRAINING = 'Training protocol:';

/** The protocol flags with the defaults of a new protocol. */
export function protocolFlags(group = TRAINING): Option[] {
  return PROTOCOL_FLAGS.map((p) =>
    flag(`--${p.name} <${p.value}>`, p.description, {
      default: DEFAULT_PROTOCOL[p.field] as string | number,
      choices: p.choices,
      group,
    }),
  );
}

/** What a final protocol takes when a flag is absent: the whole data sets, the rest as the search trained. */
function finalDefault(field: keyof TrainingProtocol): string {
  const final = defaultFinalProtocol(DEFAULT_PROTOCOL);
  if (field === 'trainSize') return `${final.trainSize} (the training set less the validation split)`;
  if (field === 'valSize') return String(final.valSize);
  if (field === 'testSize') return `${final.testSize} (the whole test set)`;
  return "the search's";
}

/**
 * The protocol flags of a final evaluation: `prefix` '' for `search finalize`, 'finalize-' for
 * `search start --finalize-top`.
 */
export function finalProtocolFlags(prefix: string, group: string): Option[] {
  return PROTOCOL_FLAGS.map((p) =>
    flag(`--${prefix}${p.name} <${p.value}>`, `final protocol: ${p.description}`, {
      defaultText: finalDefault(p.field),
      choices: p.choices,
      group,
    }),
  );
}
