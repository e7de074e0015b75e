/**
 * One validator per request kind. The CLI calls them before anything starts; each workflow
 * calls its own again as its first step, so a request from any client is checked the same
 * way. They call what the workflow will call (strategy config, decision space, fidelity
 * ladder, reward, scaling plan) and throw a RequestError naming the request field.
 */
import { validateArchitecture } from '../cells/index.ts';
import type { InputShape } from '../contracts/genotypes.ts';
import { datasetShape } from '../contracts/datasets.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { fidelityLadder, type HalvingConfig, validateHalving } from '../contracts/fidelity.ts';
import { plannedFinalTrials, type FinalizeRequest, type SearchFinalize } from './final.ts';
import { isZeroCostProxy, PROXY_BATCH_SIZE, SCREEN_ESTIMATORS } from '../contracts/estimators.ts';
import {
  type CostBudget,
  KEEP_WEIGHTS,
  MAX_SCREEN_CANDIDATES,
  SPACES,
  type BaselinesRequest,
  type SearchRequest,
  type TrainerRecord,
} from './request.ts';
import { RequestError, shown } from '../contracts/request-error.ts';
import { checkRewardConfig } from './reward.ts';
import { MAX_REFERENCE_ARCHITECTURES, type ReferenceRequest } from './reference.ts';
import {
  ATTEMPTS_PER_TRAINING,
  checkStudyNumbers,
  gridPlan,
  plannedTrialCount,
  SCALING_LIMITS,
  scalingBase,
  type ScalingStudyRequest,
} from './scaling-plan.ts';
import { makeDecisionSpace } from './spaces.ts';
import { checkSharingRequest } from './sharing.ts';
import { createStrategy } from './strategies/index.ts';
import { trialsToReachTopLevel } from './strategies/halving.ts';
import type { StrategyConfig } from './strategies/types.ts';
import { proposalWindow } from './proposal-window.ts';
import {
  asRequestError,
  INT4_MAX,
  integerIn,
  nonEmptyText,
  oneOf,
  payloadSize,
  requireSearchId,
} from '../contracts/field-checks.ts';
import { checkDatasetShape, checkProtocol } from '../contracts/protocol-checks.ts';

export function validateSearchRequest(request: SearchRequest): void {
  requireSearchId('searchId', request.searchId);
  integerIn('trials', request.trials, 1, INT4_MAX);
  integerIn('parallel', request.parallel, 1, INT4_MAX);
  if (request.parallel > request.trials) {
    throw new RequestError('parallel', `must not exceed \`trials\` (${request.trials}), got ${request.parallel}`);
  }
  integerIn('seed', request.seed, 0, INT4_MAX);
  checkProtocol(request.protocol);
  checkDatasetShape(request);
  oneOf('space.space', request.space?.space, SPACES);
  let space!: ReturnType<typeof makeDecisionSpace>;
  asRequestError(() => (space = makeDecisionSpace(request.space)), 'space', 'space.');
  const seeds = request.strategy?.seedArchitectures ?? [];
  if (seeds.length > request.trials) {
    throw new RequestError(
      'strategy.seedArchitectures',
      `holds ${seeds.length} architectures, more than the ${request.trials} trials: only the first ${request.trials} could be evaluated; give at most that many`,
    );
  }
  payloadSize('strategy.seedArchitectures', seeds);
  const strategy = request.strategy;
  if (strategy?.evolution?.sample !== undefined && strategy.evolution.population !== undefined) {
    if (strategy.evolution.sample > strategy.evolution.population) {
      throw new RequestError(
        'strategy.evolution.sample',
        `must be at most \`strategy.evolution.population\` (${strategy.evolution.population}), got ${strategy.evolution.sample}`,
      );
    }
  }
  if (strategy?.halving) {
    integerIn('strategy.halving.levels', strategy.halving.levels, 1, 64);
    if (
      strategy.halving.eta !== undefined &&
      !(typeof strategy.halving.eta === 'number' && strategy.halving.eta >= 2)
    ) {
      throw new RequestError(
        'strategy.halving.eta',
        `must be a number of at least 2, got ${shown(strategy.halving.eta)}`,
      );
    }
  }
  if (strategy?.window !== undefined) integerIn('strategy.window', strategy.window, 0, INT4_MAX);
  asRequestError(() => createStrategy(strategy, space, request.seed), 'strategy');
  asRequestError(() => fidelityLadder(request.protocol, strategy.halving ?? null), 'strategy.halving', 'strategy.');
  if (strategy?.halving) checkHalvingReachesTop(request.trials, strategy, strategy.halving);
  checkBudget(request.budget);
  asRequestError(() => checkRewardConfig(request.reward), 'reward');
  if (request.keepWeights !== undefined) oneOf('keepWeights', request.keepWeights, KEEP_WEIGHTS);
  nonEmptyText('trainerTaskQueue', request.trainerTaskQueue);
  if (request.trainer !== undefined) checkTrainerRecord(request.trainer);
  if (request.trialsPerRun !== undefined) integerIn('trialsPerRun', request.trialsPerRun, 1, INT4_MAX);
  if (request.screen !== undefined) checkScreen(request);
  if (request.finalize !== undefined) {
    checkFinalize(request.finalize, 'finalize.');
    checkFinalShape(request.finalize.protocol, request);
  }
  if (request.sharing !== undefined) checkSharingRequest(request);
  payloadSize('request', request);
}

/**
 * Screening ranks proposals before training: random search's all at once, evolution's children
 * trial by trial (workflows/screening.ts). REINFORCE learns from the rewards of what it proposed,
 * and successive halving ranks by trainings already: neither is screened.
 */
function checkScreen(request: SearchRequest): void {
  const { screen, strategy, trials, protocol } = request;
  if (typeof screen !== 'object' || screen === null)
    throw new RequestError('screen', `must be an object, got ${shown(screen)}`);
  oneOf('screen.estimator', screen.estimator, SCREEN_ESTIMATORS);
  if ((strategy?.name !== 'random' && strategy?.name !== 'evolution') || strategy.halving)
    throw new RequestError(
      'screen.estimator',
      'applies to `strategy.name` random or evolution without `strategy.halving` only: drop it or switch strategy',
    );
  integerIn('screen.candidates', screen.candidates, 1, MAX_SCREEN_CANDIDATES);
  if (screen.candidates < trials)
    throw new RequestError(
      'screen.candidates',
      `must be at least \`trials\` (${trials}): it scores that many proposals and trains the best \`trials\`, got ${screen.candidates}`,
    );
  if (isZeroCostProxy(screen.estimator) && protocol.trainSize < PROXY_BATCH_SIZE)
    throw new RequestError(
      'screen.estimator',
      `${screen.estimator} scores a batch of ${PROXY_BATCH_SIZE} training images: give \`protocol.trainSize\` ${PROXY_BATCH_SIZE} or more (got ${protocol.trainSize}), or screen by params or flops`,
    );
}

/** A halving search whose trials cannot fill its levels would train the lower levels only. */
function checkHalvingReachesTop(trials: number, strategy: StrategyConfig, halving: HalvingConfig): void {
  const { eta, levels } = validateHalving(halving, 'strategy.halving');
  const window = proposalWindow(strategy);
  const limit = Math.max(trials, 1_000_000);
  const needed = trialsToReachTopLevel(eta, levels, window, limit);
  if (needed !== null && needed <= trials) return;
  const reach = `a halving search with eta ${eta} and ${levels} levels (proposal window ${window}) is sure to train a candidate at its last level, the full protocol,`;
  if (needed === null) {
    throw new RequestError(
      'trials',
      `${reach} only after more than ${limit} trials: give fewer \`strategy.halving.levels\``,
    );
  }
  throw new RequestError(
    'trials',
    `${reach} from ${needed} trials on; got ${trials}: give ${needed} or more, or fewer \`strategy.halving.levels\``,
  );
}

/** The final trainings retrain the search's candidates: on data of the search's shape and classes. */
function checkFinalShape(protocol: TrainingProtocol, search: Pick<SearchRequest, 'input' | 'classes'>): void {
  const { input, classes } = datasetShape(protocol);
  const shape = (i: InputShape, n: number) => `${i.height}x${i.width}x${i.channels} images of ${n} classes`;
  if (shape(input, classes) !== shape(search.input, search.classes)) {
    throw new RequestError(
      'finalize.protocol.dataset',
      `${protocol.dataset} has ${shape(input, classes)}, the search ${shape(search.input, search.classes)}; give the final protocol data of the search's shape`,
    );
  }
}

/** Top, repeats, baselines and final protocol of a final evaluation; fields named under `prefix`. */
function checkFinalize(finalize: SearchFinalize, prefix: string): void {
  if (typeof finalize !== 'object' || finalize === null)
    throw new RequestError(prefix.replace(/\.$/, ''), `must be an object, got ${shown(finalize)}`);
  integerIn(`${prefix}top`, finalize.top, 1, 1000);
  integerIn(`${prefix}repeats`, finalize.repeats, 1, 100);
  if (!Array.isArray(finalize.baselines))
    throw new RequestError(`${prefix}baselines`, `must be a list, got ${shown(finalize.baselines)}`);
  const names = new Set<string>();
  finalize.baselines.forEach((entry, i) => {
    const field = `${prefix}baselines[${i}]`;
    integerIn(`${field}.index`, entry.index, 0, INT4_MAX);
    nonEmptyText(`${field}.name`, entry.name);
    if (names.has(entry.name)) throw new RequestError(`${field}.name`, `repeats baseline ${entry.name}`);
    names.add(entry.name);
    asRequestError(() => validateArchitecture(entry.architecture), `${field}.architecture`, `${field}.architecture.`);
  });
  integerIn(`${prefix}repeats`, plannedFinalTrials(finalize), 1, INT4_MAX, ' (times top + baselines: trial indices)');
  checkProtocol(finalize.protocol, `${prefix}protocol`);
}

export function validateFinalizeRequest(request: FinalizeRequest): void {
  requireSearchId('finalId', request.finalId);
  requireSearchId('searchId', request.searchId);
  if (request.finalId === request.searchId)
    throw new RequestError('finalId', `must differ from \`searchId\` (${request.searchId})`);
  checkFinalize(request, '');
  integerIn('parallel', request.parallel, 1, INT4_MAX);
  checkDatasetShape(request);
  nonEmptyText('trainerTaskQueue', request.trainerTaskQueue);
  payloadSize('request', request);
}

export function validateBaselinesRequest(request: BaselinesRequest): void {
  requireSearchId('searchId', request.searchId);
  if (!Array.isArray(request.entries) || request.entries.length === 0) {
    throw new RequestError('entries', `must list at least one baseline, got ${shown(request.entries)}`);
  }
  const indices = new Set<number>();
  request.entries.forEach((entry, i) => {
    integerIn(`entries[${i}].index`, entry.index, 0, INT4_MAX);
    if (indices.has(entry.index)) throw new RequestError(`entries[${i}].index`, `repeats trial index ${entry.index}`);
    indices.add(entry.index);
    nonEmptyText(`entries[${i}].name`, entry.name);
    asRequestError(
      () => validateArchitecture(entry.architecture),
      `entries[${i}].architecture`,
      `entries[${i}].architecture.`,
    );
  });
  integerIn('parallel', request.parallel, 1, INT4_MAX);
  checkProtocol(request.protocol);
  checkDatasetShape(request);
  checkBudget(request.budget);
  nonEmptyText('trainerTaskQueue', request.trainerTaskQueue);
  payloadSize('request', request);
}

export function validateScalingRequest(request: ScalingStudyRequest): void {
  requireSearchId('studyId', request.studyId);
  nonEmptyText('baseName', request.baseName);
  scalingBase(request.base, 'base');
  checkStudyNumbers(request, { gridStep: 'gridStep', tolerance: 'tolerance', phiMax: 'phiMax' });
  integerIn('parallel', request.parallel, 1, INT4_MAX);
  checkProtocol(request.protocol);
  checkDatasetShape(request);
  nonEmptyText('trainerTaskQueue', request.trainerTaskQueue);
  const planned = plannedTrialCount(gridPlan(request).length, request.phiMax);
  let mostRepeats = 1;
  for (const field of ['repeats', 'gridRepeats'] as const) {
    if (request[field] === undefined) continue;
    mostRepeats = Math.max(mostRepeats, integerIn(field, request[field], 1, SCALING_LIMITS.repeats));
  }
  if (mostRepeats > 1) {
    integerIn(
      'protocol.seed',
      request.protocol.seed + mostRepeats - 1,
      0,
      INT4_MAX,
      ' (plus repeats - 1: seeds of the repeats)',
    );
  }
  // Repeats and retries of cancelled trainings get indices index + planned * k (search/scaling-plan.ts scalingTrialIndex).
  integerIn('phiMax', planned * ATTEMPTS_PER_TRAINING * mostRepeats, 1, INT4_MAX, ' (trial indices of the study)');
  payloadSize('request', request);
}

export function validateReferenceRequest(request: ReferenceRequest): void {
  requireSearchId('referenceId', request.referenceId);
  integerIn('seed', request.seed, 0, INT4_MAX - 1, ' (seed + 1 is the second training seed)');
  integerIn('architectures', request.architectures, 1, MAX_REFERENCE_ARCHITECTURES);
  integerIn('secondSeed', request.secondSeed, 0, request.architectures, ' (at most `architectures`)');
  integerIn('parallel', request.parallel, 1, INT4_MAX);
  checkProtocol(request.reference, 'reference');
  checkProtocol(request.cheap, 'cheap');
  if (request.reference.seed !== request.seed)
    throw new RequestError(
      'reference.seed',
      `must be the request's seed (${request.seed}), got ${shown(request.reference.seed)}`,
    );
  if (request.cheap.seed !== request.seed)
    throw new RequestError(
      'cheap.seed',
      `must be the request's seed (${request.seed}), got ${shown(request.cheap.seed)}`,
    );
  checkDatasetShape({ protocol: request.reference, input: request.input, classes: request.classes });
  checkDatasetShape({ protocol: request.cheap, input: request.input, classes: request.classes });
  nonEmptyText('trainerTaskQueue', request.trainerTaskQueue);
  payloadSize('request', request);
}

function checkTrainerRecord(trainer: TrainerRecord): void {
  nonEmptyText('trainer.backend', trainer?.backend);
  for (const [name, value] of Object.entries(trainer.settings ?? {})) {
    if (!/^NAS_SIMULATED_[A-Z_]+$/.test(name) || typeof value !== 'string') {
      throw new RequestError(
        `trainer.settings.${name}`,
        `must be a NAS_SIMULATED_* variable's text, got ${shown(value)}`,
      );
    }
  }
}

function checkBudget(budget: CostBudget): void {
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
