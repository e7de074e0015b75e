/**
 * Turns `nas search start` flags into a SearchRequest and validates it with the validator the
 * workflow runs too (search/validate-request.ts); either way a bad flag is a RequestError naming it.
 */
import { DEFAULT_PROPOSAL_WINDOW, proposalWindow } from '../search/proposal-window.ts';
import { readFileSync } from 'node:fs';
import { validateArchitecture } from '../cells/index.ts';
import { GenotypeError, NASNET_OPS, type Combine, type NasnetOp } from '../contracts/genotypes.ts';
import {
  AUGMENTATIONS,
  DEFAULT_PROTOCOL as DEFAULT_SEARCH_PROTOCOL,
  ENGINE_VERSION,
  LR_SCHEDULES,
  OPTIMIZERS,
  type TrainingProtocol,
} from '../contracts/protocol.ts';
import { BASELINES } from '../cells/baselines/index.ts';
import { DEFAULT_FINAL_REPEATS, defaultFinalProtocol, type SearchFinalize } from '../search/final.ts';
import type { BaselineEntry } from '../search/request.ts';
import { KEEP_WEIGHTS, SPACES, STRATEGIES, type SearchRequest } from '../search/request.ts';
import { RequestError } from '../contracts/request-error.ts';
import {
  requireNonNegativeInteger,
  requireOneOf,
  requirePositiveInteger,
  requirePositiveNumber,
  requireSearchId,
} from '../contracts/field-checks.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { isZeroCostProxy, SCREEN_ESTIMATORS } from '../contracts/estimators.ts';
import { datasetFromFlags } from './dataset-flag.ts';
import { DEFAULT_MNAS_W, type RewardConfig } from '../contracts/reward-config.ts';
import { simulationSettings } from '../search/simulated-training.ts';
import { makeDecisionSpace, type SpaceSpec } from '../search/spaces.ts';
import { EVOLUTION_DEFAULTS } from '../search/strategies/config.ts';
import type { StrategyConfig } from '../search/strategies/types.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../workers/task-queues.ts';
import { stringFlag, type Flags } from './args.ts';
import { requireBackendFlag, simulatesTraining } from './backend-flag.ts';
import { checkTrainingData } from './data-check.ts';
import { validateAsFlags } from './request-fields.ts';
import { PROTOCOL_FLAGS } from './definitions/protocol-flags.ts';
import { sharingStrategy, type SharingRequest } from '../search/sharing.ts';
import { sharingFromFlags } from './sharing-request.ts';

export const REWARDS = ['accuracy', 'mnas'] as const;
export const MNAS_COSTS = ['params', 'flops', 'latency'] as const;

/** What `nas search start` uses for a flag that is absent (shown by its `--help`). */
export const SEARCH_DEFAULTS = {
  trials: 8,
  parallel: 1,
  space: 'nasnet',
  strategy: 'random',
  reward: 'accuracy',
  mnasCost: 'flops',
  mnasWeight: DEFAULT_MNAS_W,
  halvingEta: 3,
  halvingLevels: 3,
  keepWeights: 'none',
} as const;

const PROTOCOL_FLAG_NAMES = PROTOCOL_FLAGS.map((p) => p.name);

/** `--finalize-train-size`, `--finalize-epochs`, ...: a field of the final protocol of `--finalize-top`. */
const FINALIZE_PROTOCOL_FLAG_NAMES = PROTOCOL_FLAG_NAMES.map((name) => `finalize-${name}`);

/** `lenet5,resnet20` as baseline entries (registry index, name, architecture); a RequestError names `flag`. */
export function baselineEntriesFromFlag(flag: string, value: string | undefined): BaselineEntry[] {
  if (value === undefined || value.trim() === '') return [];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (new Set(names).size !== names.length) throw new RequestError(flag, `names a baseline twice: ${value}`);
  return names.map((name) => {
    const index = BASELINES.findIndex((b) => b.name === name);
    if (index < 0)
      throw new RequestError(
        flag,
        `unknown baseline ${JSON.stringify(name)}; known: ${BASELINES.map((b) => b.name).join(', ')}`,
      );
    return { index, name, architecture: BASELINES[index].architecture };
  });
}

/**
 * `--finalize-top K [--finalize-repeats R] [--finalize-baselines a,b] [--finalize-<protocol flag> ...]`:
 * the search finalizes itself under the default final protocol of its own protocol
 * (search/final.ts), each `--finalize-` protocol flag replacing its field.
 */
function finalizeFromFlags(flags: Flags, protocol: TrainingProtocol, checkData: boolean): SearchFinalize | undefined {
  const top = stringFlag(flags, 'finalize-top');
  if (top === undefined) {
    const stray = ['finalize-repeats', 'finalize-baselines', ...FINALIZE_PROTOCOL_FLAG_NAMES].find(
      (name) => stringFlag(flags, name) !== undefined,
    );
    if (stray) throw new RequestError(`--${stray}`, 'applies with --finalize-top K only');
    return undefined;
  }
  return {
    top: requirePositiveInteger('--finalize-top', top),
    repeats: requirePositiveInteger(
      '--finalize-repeats',
      stringFlag(flags, 'finalize-repeats') ?? DEFAULT_FINAL_REPEATS,
    ),
    baselines: baselineEntriesFromFlag('--finalize-baselines', stringFlag(flags, 'finalize-baselines')),
    protocol: finalProtocolFromFlags(flags, protocol, checkData && !simulatesTraining(flags)),
  };
}

/** The final protocol from the `--finalize-` protocol flags; its errors name those flags. */
function finalProtocolFromFlags(flags: Flags, protocol: TrainingProtocol, checkData: boolean): TrainingProtocol {
  const unprefixed: Flags = {};
  for (const name of PROTOCOL_FLAG_NAMES) {
    const value = stringFlag(flags, `finalize-${name}`);
    if (value !== undefined) unprefixed[name] = value;
  }
  try {
    return protocolFromFlags(unprefixed, { checkData, defaults: defaultFinalProtocol(protocol) });
  } catch (err) {
    if (!(err instanceof RequestError) || !err.field.startsWith('--')) throw err;
    const flag = `--finalize-${err.field.slice(2)}`;
    throw new RequestError(flag, `(the final protocol of --finalize-top) ${err.problem}`);
  }
}

/** Options of the request builders of commands that start trainings. */
export interface TrainingRequestOptions {
  /**
   * Check the dataset files on this machine against the protocol before anything starts
   * (cli/data-check.ts); the request builders of `search start` and `scaling start` do unless
   * told not to, protocolFromFlags only when asked (`baselines list` trains nothing).
   */
  checkData?: boolean;
}

export function protocolFromFlags(
  flags: Flags,
  options: TrainingRequestOptions & { defaults?: TrainingProtocol } = {},
): TrainingProtocol {
  const get = (name: string) => stringFlag(flags, name);
  const DEFAULT_PROTOCOL = options.defaults ?? DEFAULT_SEARCH_PROTOCOL;
  // The dataset and its descriptor go together: both from the flags, or both from the defaults.
  const { datasetInfo: _defaultInfo, ...defaults } = DEFAULT_PROTOCOL;
  const protocol: TrainingProtocol = {
    ...defaults,
    ...datasetFromFlags(flags, DEFAULT_PROTOCOL),
    trainSize: requirePositiveInteger('--train-size', get('train-size') ?? DEFAULT_PROTOCOL.trainSize),
    valSize: requirePositiveInteger('--val-size', get('val-size') ?? DEFAULT_PROTOCOL.valSize),
    testSize: requireNonNegativeInteger('--test-size', get('test-size') ?? DEFAULT_PROTOCOL.testSize),
    epochs: requirePositiveInteger('--epochs', get('epochs') ?? DEFAULT_PROTOCOL.epochs),
    batchSize: requirePositiveInteger('--batch-size', get('batch-size') ?? DEFAULT_PROTOCOL.batchSize),
    optimizer: requireOneOf('--optimizer', get('optimizer') ?? DEFAULT_PROTOCOL.optimizer, OPTIMIZERS),
    learningRate: requirePositiveNumber('--lr', get('lr') ?? DEFAULT_PROTOCOL.learningRate),
    lrSchedule: requireOneOf('--lr-schedule', get('lr-schedule') ?? DEFAULT_PROTOCOL.lrSchedule, LR_SCHEDULES),
    augmentation: requireOneOf('--augmentation', get('augmentation') ?? DEFAULT_PROTOCOL.augmentation, AUGMENTATIONS),
    seed: requireNonNegativeInteger('--seed', get('seed') ?? DEFAULT_PROTOCOL.seed),
  };
  // Absent from the defaults (a search recorded before the field): off, as that search trained.
  const recalibration = get('bn-recalibration') ?? DEFAULT_PROTOCOL.bnRecalibrationBatches;
  if (recalibration !== undefined)
    protocol.bnRecalibrationBatches = requireNonNegativeInteger('--bn-recalibration', recalibration);
  // Not inherited from the defaults (a search recorded under an older engine): this engine trains it.
  protocol.engineVersion = ENGINE_VERSION;
  // Before the registry's bounds: sizes the files cannot hold are refused naming the file's count.
  if (options.checkData && !simulatesTraining(flags)) checkTrainingData(protocol);
  validateAsFlags(() => checkProtocol(protocol));
  return protocol;
}

/**
 * The network candidates are trained in unless the flags say otherwise: sized so that a search
 * trains on a CPU (about 12M multiply-adds per image); NASNet's own small default is 2, 2, 16.
 */
export const CPU_NETWORK = { cellsPerStage: 1, reductions: 2, filters: 8 } as const;

const NASNET_SPACE_FLAGS = ['blocks', 'ops', 'combine', 'cells-per-stage', 'reductions', 'filters'] as const;

function spaceFromFlags(flags: Flags): SpaceSpec {
  const get = (name: string) => stringFlag(flags, name);
  const space = requireOneOf('--space', get('space') ?? SEARCH_DEFAULTS.space, SPACES);
  if (space === 'efficientnet') {
    const given = NASNET_SPACE_FLAGS.find((name) => flags[name] !== undefined);
    if (given) throw new RequestError(`--${given}`, 'applies to --space nasnet only; drop it or switch space');
    return { space };
  }
  const spec: SpaceSpec = { space };
  if (get('blocks') !== undefined) spec.blocks = requirePositiveInteger('--blocks', get('blocks'));
  if (get('ops') !== undefined) {
    spec.ops = get('ops')!
      .split(',')
      .map((op) => requireOneOf('--ops', op.trim(), NASNET_OPS) as NasnetOp);
  }
  if (get('combine') !== undefined) {
    spec.combine = get('combine')!
      .split(',')
      .map((c) => requireOneOf('--combine', c.trim(), ['add', 'concat'] as const) as Combine);
  }
  spec.network = {
    cellsPerStage: requirePositiveInteger('--cells-per-stage', get('cells-per-stage') ?? CPU_NETWORK.cellsPerStage),
    reductions: requireNonNegativeInteger('--reductions', get('reductions') ?? CPU_NETWORK.reductions),
    filters: requirePositiveInteger('--filters', get('filters') ?? CPU_NETWORK.filters),
  };
  return spec;
}

function rewardFromFlags(flags: Flags): RewardConfig {
  const objective = requireOneOf('--reward', stringFlag(flags, 'reward') ?? SEARCH_DEFAULTS.reward, REWARDS);
  if (objective === 'accuracy') return { objective };
  const target = stringFlag(flags, 'mnas-target');
  const cost = requireOneOf('--mnas-cost', stringFlag(flags, 'mnas-cost') ?? SEARCH_DEFAULTS.mnasCost, MNAS_COSTS);
  if (target === undefined) {
    const what =
      cost === 'latency'
        ? 'milliseconds at batch 1 on the trainer, e.g. --mnas-target 5'
        : `${cost === 'params' ? 'parameters' : 'FLOPs'}, e.g. --mnas-target 1000000`;
    throw new RequestError('--mnas-target', `is required with --reward mnas: add the target cost T (${what})`);
  }
  const weight = stringFlag(flags, 'mnas-weight');
  const w = weight === undefined ? SEARCH_DEFAULTS.mnasWeight : Number(weight);
  if (!Number.isFinite(w))
    throw new RequestError('--mnas-weight', `must be a number such as -0.07, got ${JSON.stringify(weight)}`);
  return {
    objective,
    cost,
    target: requirePositiveNumber('--mnas-target', target),
    w,
  };
}

function seedArchitecturesFromFile(path: string, spec: SpaceSpec): number[][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RequestError('--seed-architectures', `cannot read ${path} as JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  let space!: ReturnType<typeof makeDecisionSpace>;
  validateAsFlags(() => asSpaceError(() => (space = makeDecisionSpace(spec))));
  return list.map((json, i) => {
    try {
      return space.encode(validateArchitecture(json));
    } catch (err) {
      throw new RequestError(`--seed-architectures[${i}]`, (err as Error).message);
    }
  });
}

/** The sampler of `--strategy enas`: the controller (`--controller-lr`) or, in the uniform arm, uniform draws. */
function sharingStrategyFromFlags(flags: Flags, sharing: SharingRequest): StrategyConfig {
  const lr = stringFlag(flags, 'controller-lr');
  if (lr !== undefined && sharing.arm === 'uniform')
    throw new RequestError(
      '--controller-lr',
      'the uniform arm has no controller: drop it or use --sharing-arm reinforce',
    );
  return sharingStrategy(sharing, lr === undefined ? undefined : requirePositiveNumber('--controller-lr', lr));
}

function strategyFromFlags(flags: Flags, spec: SpaceSpec): StrategyConfig {
  const name = requireOneOf(
    '--strategy',
    stringFlag(flags, 'strategy') ?? SEARCH_DEFAULTS.strategy,
    STRATEGIES.filter((s) => s !== 'enas'),
  );
  const config: StrategyConfig = { name, dedup: true };
  const file = stringFlag(flags, 'seed-architectures');
  if (file) config.seedArchitectures = seedArchitecturesFromFile(file, spec);
  const eta = stringFlag(flags, 'halving-eta');
  const levels = stringFlag(flags, 'halving-levels');
  if (eta !== undefined || levels !== undefined) {
    config.halving = {
      eta: requirePositiveInteger('--halving-eta', eta ?? SEARCH_DEFAULTS.halvingEta),
      levels: requirePositiveInteger('--halving-levels', levels ?? SEARCH_DEFAULTS.halvingLevels),
    };
  }
  const window = stringFlag(flags, 'window');
  if (window !== undefined) config.window = requireNonNegativeInteger('--window', window);
  const reinforce = reinforceFromFlags(flags, name);
  if (reinforce) config.reinforce = reinforce;
  const evolution = evolutionFromFlags(flags, name);
  if (evolution) config.evolution = evolution;
  return config;
}

/**
 * The values of flags that tune one strategy only; undefined when none is given.
 * Given with any other strategy they are refused, naming the first one.
 */
function strategyOnlyFlags<N extends string>(flags: Flags, strategy: string, owner: string, names: readonly N[]) {
  const values = Object.fromEntries(names.map((name) => [name, stringFlag(flags, name)])) as Record<
    N,
    string | undefined
  >;
  const given = names.find((name) => values[name] !== undefined);
  if (given === undefined) return undefined;
  if (strategy !== owner)
    throw new RequestError(`--${given}`, `applies to --strategy ${owner} only; drop it or switch strategy`);
  return values;
}

function reinforceFromFlags(flags: Flags, strategy: string): StrategyConfig['reinforce'] {
  const given = strategyOnlyFlags(flags, strategy, 'reinforce', ['controller-lr', 'controller-batch'] as const);
  if (!given) return undefined;
  const { 'controller-lr': lr, 'controller-batch': batch } = given;
  return {
    ...(lr !== undefined && { learningRate: requirePositiveNumber('--controller-lr', lr) }),
    ...(batch !== undefined && { batchSize: requirePositiveInteger('--controller-batch', batch) }),
  };
}

function evolutionFromFlags(flags: Flags, strategy: string): StrategyConfig['evolution'] {
  const given = strategyOnlyFlags(flags, strategy, 'evolution', ['population', 'tournament'] as const);
  if (!given) return undefined;
  return {
    population: requirePositiveInteger('--population', given.population ?? EVOLUTION_DEFAULTS.population),
    sample: requirePositiveInteger('--tournament', given.tournament ?? EVOLUTION_DEFAULTS.sample),
  };
}

function defaultSearchId(spec: SpaceSpec, strategy: string, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${spec.space}-${strategy}-s${seed}-${stamp}`.toLowerCase();
}

export function searchRequestFromFlags(flags: Flags, { checkData = true }: TrainingRequestOptions = {}): SearchRequest {
  const get = (name: string) => stringFlag(flags, name);
  requireBackendFlag(flags);
  const protocol = protocolFromFlags(flags, { checkData });
  const space = spaceFromFlags(flags);
  const strategyName = requireOneOf('--strategy', get('strategy') ?? SEARCH_DEFAULTS.strategy, STRATEGIES);
  const sharing = sharingFromFlags(flags, strategyName);
  const strategy = sharing ? sharingStrategyFromFlags(flags, sharing) : strategyFromFlags(flags, space);
  const dataset = datasetShape(protocol);
  const request: SearchRequest = {
    searchId: requireSearchId('--id', get('id') ?? defaultSearchId(space, strategyName, protocol.seed)),
    space,
    strategy,
    trials: sharing
      ? sharing.rounds * sharing.candidates
      : requirePositiveInteger('--trials', get('trials') ?? SEARCH_DEFAULTS.trials),
    parallel: requirePositiveInteger('--parallel', get('parallel') ?? SEARCH_DEFAULTS.parallel),
    seed: protocol.seed,
    protocol,
    budget: {
      ...(get('max-params') !== undefined && { maxParams: requirePositiveInteger('--max-params', get('max-params')) }),
      ...(get('max-flops') !== undefined && { maxFlops: requirePositiveInteger('--max-flops', get('max-flops')) }),
      ...(get('max-latency') !== undefined && {
        maxLatencyMs: requirePositiveNumber('--max-latency', get('max-latency')),
      }),
    },
    reward: rewardFromFlags(flags),
    input: { ...dataset.input },
    classes: dataset.classes,
    trainerTaskQueue: get('task-queue') ?? DEFAULT_TRAINER_TASK_QUEUE,
  };
  requireLatencyOfSimulation(flags, request);
  const keepWeights = requireOneOf('--keep-weights', get('keep-weights') ?? SEARCH_DEFAULTS.keepWeights, KEEP_WEIGHTS);
  if (keepWeights !== 'none') request.keepWeights = keepWeights;
  const screen = screenFromFlags(flags);
  if (screen) request.screen = screen;
  // The simulated trainer reads no images, but the proxies it screens with do.
  if (screen && isZeroCostProxy(screen.estimator) && checkData && simulatesTraining(flags)) checkTrainingData(protocol);
  const finalize = finalizeFromFlags(flags, protocol, checkData);
  if (finalize) request.finalize = finalize;
  if (sharing) request.sharing = sharing;
  else if (strategy.window === undefined && proposalWindow(strategy) !== Infinity)
    strategy.window = defaultWindow(request.parallel);
  validateAsFlags(() => validateSearchRequest(request));
  return request;
}

/** `--screen E --screen-candidates N`, both or neither; their bounds are the validator's. */
function screenFromFlags(flags: Flags): SearchRequest['screen'] {
  const estimator = stringFlag(flags, 'screen');
  const candidates = stringFlag(flags, 'screen-candidates');
  if (estimator === undefined) {
    if (candidates !== undefined) throw new RequestError('--screen-candidates', 'applies with --screen only');
    return undefined;
  }
  if (candidates === undefined)
    throw new RequestError(
      '--screen-candidates',
      'is required with --screen: the number of proposals scored, at least --trials',
    );
  return {
    estimator: requireOneOf('--screen', estimator, SCREEN_ESTIMATORS),
    candidates: requirePositiveInteger('--screen-candidates', candidates),
  };
}

/**
 * A learning strategy's window, stored with the search. At parallel 1 it sees every result before
 * its next proposal (window 0): holding results back would buy nothing there. Otherwise at least
 * --parallel, so that many train at once, and the same search at any parallelism up to it.
 */
function defaultWindow(parallel: number): number {
  return parallel === 1 ? 0 : Math.max(DEFAULT_PROPOSAL_WINDOW, parallel);
}

/** The simulated trainer reports a latency only with a multiply-add rate: a latency reward or budget needs one. */
function requireLatencyOfSimulation(flags: Flags, request: SearchRequest): void {
  const needs =
    request.budget.maxLatencyMs !== undefined ||
    (request.reward.objective === 'mnas' && request.reward.cost === 'latency');
  if (needs && simulatesTraining(flags) && simulationSettings(process.env).macsPerSecond === null) {
    throw new RequestError(
      '--backend',
      'simulated reports no latency without NAS_SIMULATED_MACS_PER_SECOND: set it (e.g. NAS_SIMULATED_MACS_PER_SECOND=1e9) for --mnas-cost latency or --max-latency',
    );
  }
}

/** Errors of the space configuration, named as request fields. */
function asSpaceError(make: () => void): void {
  try {
    make();
  } catch (err) {
    if (err instanceof GenotypeError) {
      throw new RequestError(err.path.startsWith('space.') ? err.path : `space.${err.path}`, err.problem);
    }
    throw err;
  }
}
