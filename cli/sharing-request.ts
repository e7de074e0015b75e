/**
 * The `--sharing-` flags of `nas search start --strategy enas` (search/sharing.ts), and the flags
 * a weight-sharing search refuses rather than ignores.
 */
import {
  requireNonNegativeInteger,
  requireOneOf,
  requirePositiveInteger,
  requirePositiveNumber,
} from '../contracts/field-checks.ts';
import { RequestError } from '../contracts/request-error.ts';
import { SIMULATED_BACKEND } from '../search/simulated-training.ts';
import { SHARING_ARMS, SHARING_DEFAULTS, type SharingRequest } from '../search/sharing.ts';
import { stringFlag, type Flags } from './args.ts';

export const SHARING_FLAGS = [
  'sharing-arm',
  'sharing-rounds',
  'sharing-steps',
  'sharing-candidates',
  'sharing-warmup',
  'sharing-lr',
  'sharing-val-batches',
] as const;

/** Search flags with no meaning for one shared network trained and scored in rounds. */
const NOT_FOR_SHARING = [
  'trials',
  'parallel',
  'seed-architectures',
  'window',
  'controller-batch',
  'population',
  'tournament',
  'halving-eta',
  'halving-levels',
  'screen',
  'screen-candidates',
  'max-params',
  'max-flops',
  'max-latency',
  'reward',
  'mnas-cost',
  'mnas-target',
  'mnas-weight',
  'keep-weights',
] as const;

const INSTEAD: Partial<Record<(typeof NOT_FOR_SHARING)[number], string>> = {
  trials: 'it scores --sharing-rounds x --sharing-candidates architectures',
  'controller-batch': 'the controller learns from the --sharing-candidates scores of each round',
};

/** The sharing request of `--strategy enas`; undefined for another strategy, which may not take a `--sharing-` flag. */
export function sharingFromFlags(flags: Flags, strategy: string): SharingRequest | undefined {
  const get = (name: (typeof SHARING_FLAGS)[number]) => stringFlag(flags, name);
  if (strategy !== 'enas') {
    const given = SHARING_FLAGS.find((name) => get(name) !== undefined);
    if (given) throw new RequestError(`--${given}`, 'applies to --strategy enas only; drop it or switch strategy');
    return undefined;
  }
  const refused = NOT_FOR_SHARING.find((name) => stringFlag(flags, name) !== undefined);
  if (refused)
    throw new RequestError(
      `--${refused}`,
      `does not apply to --strategy enas (${INSTEAD[refused] ?? 'one shared network, trained and scored in rounds'}): drop it`,
    );
  const space = stringFlag(flags, 'space');
  if (space !== undefined && space !== 'nasnet')
    throw new RequestError('--space', 'enas shares weights over the nasnet space only: use --space nasnet');
  if (stringFlag(flags, 'backend') === SIMULATED_BACKEND)
    throw new RequestError(
      '--backend',
      'simulated has no shared network to train or score: use a tfjs backend (auto, wasm, cpu, tensorflow) for --strategy enas',
    );
  const d = SHARING_DEFAULTS;
  const rounds = requirePositiveInteger('--sharing-rounds', get('sharing-rounds') ?? d.rounds);
  const warmupRounds = requireNonNegativeInteger('--sharing-warmup', get('sharing-warmup') ?? d.warmupRounds);
  if (warmupRounds > rounds)
    throw new RequestError('--sharing-warmup', `must be at most --sharing-rounds (${rounds}), got ${warmupRounds}`);
  return {
    arm: requireOneOf('--sharing-arm', get('sharing-arm') ?? d.arm, SHARING_ARMS),
    rounds,
    stepsPerRound: requirePositiveInteger('--sharing-steps', get('sharing-steps') ?? d.stepsPerRound),
    candidates: requirePositiveInteger('--sharing-candidates', get('sharing-candidates') ?? d.candidates),
    warmupRounds,
    learningRate: requirePositiveNumber('--sharing-lr', get('sharing-lr') ?? d.learningRate),
    validationBatches: requirePositiveInteger(
      '--sharing-val-batches',
      get('sharing-val-batches') ?? d.validationBatches,
    ),
  };
}
