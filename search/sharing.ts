/**
 * A weight-sharing search (`--strategy enas`, workflows/enas-search.ts): R rounds, each training the
 * shared network for S steps, then scoring M sampled architectures with its weights. The arm says
 * who samples: the REINFORCE controller (ENAS; uniform training during the warm-up rounds), or a
 * uniform generator throughout (uniform weight sharing, the baseline of Li and Talwalkar 2019).
 */
import { RequestError, shown } from '../contracts/request-error.ts';
import { INT4_MAX, integerIn, oneOf, positiveNumber } from '../contracts/field-checks.ts';
import type { SearchRequest } from './request.ts';
import type { StrategyConfig } from './strategies/types.ts';

export const SHARING_ARMS = ['reinforce', 'uniform'] as const;
export type SharingArm = (typeof SHARING_ARMS)[number];

export interface SharingRequest {
  arm: SharingArm;
  rounds: number;
  /** Training steps of the shared network per round, one sampled architecture and batch each. */
  stepsPerRound: number;
  /** Architectures scored per round (M): the controller's batch of rewards. */
  candidates: number;
  /** First rounds whose training samples architectures uniformly (the controller still learns from their scores). */
  warmupRounds: number;
  /** Momentum SGD's learning rate for the shared weights. */
  learningRate: number;
  /** Validation batches of protocol.batchSize each architecture of a round is scored on. */
  validationBatches: number;
  /** Training steps between checkpoints of the shared network (default 10). */
  checkpointEvery?: number;
}

/** What `nas search start --strategy enas` uses for an absent `--sharing-` flag. */
export const SHARING_DEFAULTS = {
  arm: 'reinforce',
  rounds: 10,
  stepsPerRound: 50,
  candidates: 10,
  warmupRounds: 2,
  /** ENAS's 0.05 diverges here even with its gradient bound (engine/sharing/phases.ts); 0.01 does not. */
  learningRate: 0.01,
  validationBatches: 2,
} as const satisfies SharingRequest;

/** Each training phase carries one genotype per step (about 1 KB each in the default space). */
export const MAX_STEPS_PER_ROUND = 200;
/** A round adds about a dozen events to the workflow's history; it does not continue-as-new. */
export const MAX_SHARING_ROUNDS = 1000;
export const MAX_CANDIDATES_PER_ROUND = 200;

/** The strategy that samples a sharing search's architectures: the controller, or uniform draws. */
export function sharingStrategy(
  sharing: Pick<SharingRequest, 'arm' | 'candidates'>,
  controllerLearningRate?: number,
): StrategyConfig {
  if (sharing.arm === 'uniform') return { name: 'random', dedup: false };
  return {
    name: 'reinforce',
    dedup: false,
    reinforce: {
      batchSize: sharing.candidates,
      ...(controllerLearningRate !== undefined && { learningRate: controllerLearningRate }),
    },
  };
}

/** A sharing search's own fields, and the search fields it fixes; a RequestError names the field. */
export function checkSharingRequest(request: SearchRequest): void {
  const sharing = request.sharing;
  if (typeof sharing !== 'object' || sharing === null)
    throw new RequestError('sharing', `must be an object, got ${shown(sharing)}`);
  oneOf('sharing.arm', sharing.arm, SHARING_ARMS);
  integerIn('sharing.rounds', sharing.rounds, 1, MAX_SHARING_ROUNDS);
  integerIn('sharing.stepsPerRound', sharing.stepsPerRound, 1, MAX_STEPS_PER_ROUND);
  integerIn('sharing.candidates', sharing.candidates, 1, MAX_CANDIDATES_PER_ROUND);
  integerIn('sharing.warmupRounds', sharing.warmupRounds, 0, sharing.rounds, ' (at most `sharing.rounds`)');
  positiveNumber('sharing.learningRate', sharing.learningRate);
  integerIn('sharing.validationBatches', sharing.validationBatches, 1, 1000);
  if (sharing.checkpointEvery !== undefined) integerIn('sharing.checkpointEvery', sharing.checkpointEvery, 1, INT4_MAX);
  if (request.space?.space !== 'nasnet')
    throw new RequestError('space.space', 'a weight-sharing search shares weights over the nasnet space only');
  const { protocol } = request;
  if (protocol.batchSize > protocol.trainSize)
    throw new RequestError(
      'protocol.batchSize',
      `a shared-network step trains on one batch: give at most \`protocol.trainSize\` (${protocol.trainSize})`,
    );
  if (sharing.validationBatches * protocol.batchSize > protocol.valSize)
    throw new RequestError(
      'sharing.validationBatches',
      `scores on ${sharing.validationBatches} batches of ${protocol.batchSize}, more than \`protocol.valSize\` (${protocol.valSize}) holds`,
    );
  const scored = sharing.rounds * sharing.candidates;
  if (request.trials !== scored)
    throw new RequestError(
      'trials',
      `must be \`sharing.rounds\` x \`sharing.candidates\` (${scored}), got ${request.trials}`,
    );
  checkFixedFields(request);
}

/** Fields a sharing search has no use for: refused rather than ignored. */
function checkFixedFields(request: SearchRequest): void {
  const { strategy, sharing } = request;
  const expected = sharing!.arm === 'uniform' ? 'random' : 'reinforce';
  if (strategy?.name !== expected)
    throw new RequestError('strategy.name', `must be ${expected} for \`sharing.arm\` ${sharing!.arm}`);
  if (strategy.dedup !== false)
    throw new RequestError('strategy.dedup', 'must be false: a sharing search samples architectures again');
  if (strategy.reinforce?.batchSize !== undefined && strategy.reinforce.batchSize !== sharing!.candidates)
    throw new RequestError(
      'strategy.reinforce.batchSize',
      'a sharing search updates the controller once per round: leave it to `sharing.candidates`',
    );
  const unused: Array<[string, boolean]> = [
    ['parallel', request.parallel !== 1],
    ['strategy.halving', Boolean(strategy.halving)],
    ['strategy.seedArchitectures', (strategy.seedArchitectures?.length ?? 0) > 0],
    ['strategy.window', strategy.window !== undefined],
    ['screen', request.screen !== undefined],
    ['reward.objective', request.reward?.objective !== 'accuracy'],
    ['budget.maxParams', request.budget?.maxParams !== undefined],
    ['budget.maxFlops', request.budget?.maxFlops !== undefined],
    ['budget.maxLatencyMs', request.budget?.maxLatencyMs !== undefined],
    ['keepWeights', (request.keepWeights ?? 'none') !== 'none'],
  ];
  const given = unused.find(([, set]) => set);
  if (given)
    throw new RequestError(
      given[0],
      'does not apply to a weight-sharing search (one shared network, phases in turn, accuracy as reward): drop it',
    );
}
