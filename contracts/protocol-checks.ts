/** The check of a training protocol every request carries, and of the input shape its dataset decides. */
import { DATASETS, type DatasetShape, datasetShape, parseDatasetSpec } from './datasets.ts';
import { INT4_MAX, integerIn, nonEmptyText, oneOf, positiveNumber } from './field-checks.ts';
import {
  AUGMENTATIONS,
  ENGINE_VERSION,
  LR_SCHEDULES,
  MAX_BN_RECALIBRATION_BATCHES,
  OPTIMIZERS,
  type TrainingProtocol,
} from './protocol.ts';
import { RequestError, shown } from './request-error.ts';
import { checkPlateau } from './plateau.ts';

export function checkProtocol(protocol: TrainingProtocol, field = 'protocol'): void {
  if (typeof protocol !== 'object' || protocol === null)
    throw new RequestError(field, `must be a training protocol, got ${shown(protocol)}`);
  const dataset = checkDataset(protocol, field);
  integerIn(`${field}.trainSize`, protocol.trainSize, 1, dataset.trainSamples - 1);
  integerIn(`${field}.valSize`, protocol.valSize, 1, dataset.trainSamples - 1);
  if (protocol.trainSize + protocol.valSize > dataset.trainSamples) {
    throw new RequestError(
      `${field}.trainSize`,
      `\`${field}.trainSize\` + \`${field}.valSize\` must be at most ${dataset.trainSamples} (the training set), got ${protocol.trainSize + protocol.valSize}`,
    );
  }
  integerIn(`${field}.testSize`, protocol.testSize, 0, dataset.testSamples, ' (the test set)');
  integerIn(`${field}.epochs`, protocol.epochs, 1, INT4_MAX);
  integerIn(`${field}.batchSize`, protocol.batchSize, 1, INT4_MAX);
  oneOf(`${field}.optimizer`, protocol.optimizer, OPTIMIZERS);
  positiveNumber(`${field}.learningRate`, protocol.learningRate);
  oneOf(`${field}.lrSchedule`, protocol.lrSchedule, LR_SCHEDULES);
  oneOf(`${field}.augmentation`, protocol.augmentation, AUGMENTATIONS);
  integerIn(`${field}.seed`, protocol.seed, 0, INT4_MAX);
  if (protocol.bnRecalibrationBatches !== undefined) {
    integerIn(
      `${field}.bnRecalibrationBatches`,
      protocol.bnRecalibrationBatches,
      0,
      MAX_BN_RECALIBRATION_BATCHES,
      ' (0 turns recalibration off)',
    );
  }
  if (protocol.engineVersion !== undefined) {
    integerIn(
      `${field}.engineVersion`,
      protocol.engineVersion,
      2,
      ENGINE_VERSION,
      ` (this engine's; absent for version 1)`,
    );
  }
  if (protocol.plateau !== undefined) checkPlateau(protocol.plateau, protocol.epochs, `${field}.plateau`);
}

/** The protocol's dataset: a registry name without descriptor, or a `kind:/dir` with a well-formed one. */
function checkDataset(protocol: TrainingProtocol, field: string): DatasetShape {
  const spec = typeof protocol.dataset === 'string' ? parseDatasetSpec(protocol.dataset) : null;
  if (!spec) {
    throw new RequestError(
      `${field}.dataset`,
      `must be ${Object.keys(DATASETS).join(', ')}, idx:DIR, folder:DIR or cifar10:DIR, got ${shown(protocol.dataset)}`,
    );
  }
  if (spec.kind === 'fashion-mnist') {
    if (protocol.datasetInfo !== undefined)
      throw new RequestError(`${field}.datasetInfo`, `must be absent for ${protocol.dataset}`);
    return datasetShape(protocol);
  }
  if (!spec.dir.startsWith('/'))
    throw new RequestError(`${field}.dataset`, `must name an absolute directory, got ${shown(protocol.dataset)}`);
  const info = protocol.datasetInfo;
  const at = `${field}.datasetInfo`;
  if (typeof info !== 'object' || info === null)
    throw new RequestError(at, `must describe ${protocol.dataset} (the CLI inspects the dataset), got ${shown(info)}`);
  const input = info.input ?? ({} as DatasetShape['input']);
  integerIn(`${at}.input.height`, input.height, 1, 4096);
  integerIn(`${at}.input.width`, input.width, 1, 4096);
  oneOf(`${at}.input.channels`, input.channels, [1, 3]);
  integerIn(`${at}.classes`, info.classes, 2, 100_000);
  integerIn(`${at}.trainSamples`, info.trainSamples, 2, INT4_MAX);
  integerIn(`${at}.testSamples`, info.testSamples, 0, INT4_MAX);
  if (
    !Array.isArray(info.classNames) ||
    info.classNames.length !== info.classes ||
    !info.classNames.every((n) => typeof n === 'string')
  ) {
    throw new RequestError(`${at}.classNames`, `must be ${info.classes} names, got ${shown(info.classNames)}`);
  }
  nonEmptyText(`${at}.version`, info.version);
  if (info.inputSize !== undefined) integerIn(`${at}.inputSize`, info.inputSize, 1, 4096);
  return datasetShape(protocol);
}

/** Input shape and classes must be the dataset's: the trainer reads them from the dataset. */
export function checkDatasetShape(request: { protocol: TrainingProtocol; input: unknown; classes: unknown }): void {
  const { input, classes } = datasetShape(request.protocol);
  // Field by field: a request read back from the database (jsonb) has its keys in another order.
  const given = request.input as Partial<typeof input> | null;
  const same =
    typeof given === 'object' &&
    given !== null &&
    Object.keys(given).length === 3 &&
    given.height === input.height &&
    given.width === input.width &&
    given.channels === input.channels;
  if (!same) {
    throw new RequestError(
      'input',
      `must be ${JSON.stringify(input)} for dataset ${request.protocol.dataset}, got ${shown(request.input)}`,
    );
  }
  if (request.classes !== classes) {
    throw new RequestError(
      'classes',
      `must be ${classes} for dataset ${request.protocol.dataset}, got ${shown(request.classes)}`,
    );
  }
}
