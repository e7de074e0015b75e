/**
 * Field checks shared by the request validators. Every failure is a RequestError naming the
 * request field (e.g. `protocol.epochs`); errors of the parts a validator calls (strategy
 * config, decision space, fidelity ladder, reward, genotypes) are turned into one.
 */
import { GenotypeError } from '../cells/types';
import { INT4_MAX, RequestError, shown, type CostBudget } from './request';
import { DATASETS, datasetShape, parseDatasetSpec, type DatasetShape } from '../contracts/datasets';
import { ENGINE_VERSION, MAX_BN_RECALIBRATION_BATCHES, type TrainingProtocol } from './protocol';

/** Temporal fails payloads above 2 MB and warns above 256 KB; requests stay well below. */
export const MAX_REQUEST_BYTES = 512 * 1024;

export function integerIn(field: string, value: unknown, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === INT4_MAX ? `${min}..${max} (the database column is int4)` : `${min}..${max}`;
    throw new RequestError(field, `must be an integer in ${range}${why}, got ${shown(value)}`);
  }
  return value;
}

export function positiveNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RequestError(field, `must be a positive number, got ${shown(value)}`);
  }
  return value;
}

export function oneOf<T>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new RequestError(field, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  return value as T;
}

export function nonEmptyText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RequestError(field, `must be a non-empty string, got ${shown(value)}`);
  return value;
}

/** A JSON payload no larger than `limit` bytes (counted as characters: request JSON is ASCII but for names). */
export function payloadSize(field: string, value: unknown, limit = MAX_REQUEST_BYTES): void {
  const bytes = (JSON.stringify(value) ?? '').length;
  if (bytes > limit) {
    throw new RequestError(
      field,
      `is ${(bytes / 1024).toFixed(0)} KB as JSON, more than the ${limit / 1024} KB a workflow request may carry (Temporal payload limit); make it smaller`,
    );
  }
}

/**
 * Runs `check` and turns what it throws into a RequestError: a GenotypeError keeps its path, an
 * error whose message reads `field: problem` keeps that field; `prefix` is put before paths that
 * lack it, `fallback` names the field of anything else.
 */
export function asRequestError(check: () => void, fallback: string, prefix = ''): void {
  try {
    check();
  } catch (err) {
    if (err instanceof RequestError) throw err;
    const prefixed = (path: string) => (prefix && !path.startsWith(prefix) ? `${prefix}${path}` : path);
    if (err instanceof GenotypeError) throw new RequestError(prefixed(err.path), err.problem);
    const message = err instanceof Error ? err.message : String(err);
    const named = /^([A-Za-z][\w.[\]]*)(?: \([^)]*\))?: (.+)$/s.exec(message);
    if (named) throw new RequestError(prefixed(named[1]), named[2]);
    throw new RequestError(fallback, message);
  }
}

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
  oneOf(`${field}.optimizer`, protocol.optimizer, ['adam', 'sgd', 'momentum', 'rmsprop']);
  positiveNumber(`${field}.learningRate`, protocol.learningRate);
  oneOf(`${field}.lrSchedule`, protocol.lrSchedule, ['constant', 'cosine']);
  oneOf(`${field}.augmentation`, protocol.augmentation, ['none', 'flip-shift']);
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
  if (JSON.stringify(request.input) !== JSON.stringify(input)) {
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

export function checkBudget(budget: CostBudget): void {
  if (typeof budget !== 'object' || budget === null)
    throw new RequestError('budget', `must be an object, got ${shown(budget)}`);
  if (budget.maxParams !== undefined) integerIn('budget.maxParams', budget.maxParams, 1, Number.MAX_SAFE_INTEGER);
  if (budget.maxFlops !== undefined) integerIn('budget.maxFlops', budget.maxFlops, 1, Number.MAX_SAFE_INTEGER);
  if (
    budget.maxLatencyMs !== undefined &&
    !(typeof budget.maxLatencyMs === 'number' && Number.isFinite(budget.maxLatencyMs) && budget.maxLatencyMs > 0)
  ) {
    throw new RequestError(
      'budget.maxLatencyMs',
      `must be a positive number of milliseconds, got ${shown(budget.maxLatencyMs)}`,
    );
  }
}
