/**
 * The CLI flag each request field comes from, so a validator's RequestError (which names the
 * request field) reads in the user's terms: `strategy.halving.levels: ...` becomes
 * `--halving-levels: ...`, also where the problem text mentions another field (in backticks).
 */
import { RequestError } from '../contracts/request-error.ts';

const FLAGS: Record<string, string> = {
  searchId: '--id',
  studyId: '--id',
  trials: '--trials',
  parallel: '--parallel',
  seed: '--seed',
  'protocol.seed': '--seed',
  'protocol.dataset': '--dataset',
  'protocol.datasetInfo': '--dataset',
  'protocol.trainSize': '--train-size',
  'protocol.valSize': '--val-size',
  'protocol.testSize': '--test-size',
  'protocol.epochs': '--epochs',
  'protocol.batchSize': '--batch-size',
  'protocol.optimizer': '--optimizer',
  'protocol.learningRate': '--lr',
  'protocol.lrSchedule': '--lr-schedule',
  'protocol.augmentation': '--augmentation',
  'protocol.bnRecalibrationBatches': '--bn-recalibration',
  'protocol.plateau': '--budget',
  'protocol.plateau.patience': '--patience',
  'protocol.plateau.minDelta': '--min-delta',
  'space.space': '--space',
  'space.blocks': '--blocks',
  'space.ops': '--ops',
  'space.combine': '--combine',
  'space.network.cellsPerStage': '--cells-per-stage',
  'space.network.reductions': '--reductions',
  'space.network.filters': '--filters',
  'space.network': '--filters',
  'strategy.name': '--strategy',
  'strategy.halving.levels': '--halving-levels',
  'strategy.halving.eta': '--halving-eta',
  'strategy.halving': '--halving-levels',
  halving: '--halving-levels',
  'strategy.seedArchitectures': '--seed-architectures',
  'strategy.reinforce.learningRate': '--controller-lr',
  'strategy.reinforce.batchSize': '--controller-batch',
  'strategy.evolution.population': '--population',
  'strategy.evolution.sample': '--tournament',
  'strategy.window': '--window',
  'screen.estimator': '--screen',
  'screen.candidates': '--screen-candidates',
  screen: '--screen',
  'budget.maxParams': '--max-params',
  'budget.maxFlops': '--max-flops',
  'budget.maxLatencyMs': '--max-latency',
  keepWeights: '--keep-weights',
  'reward.objective': '--reward',
  'reward.cost': '--mnas-cost',
  'reward.target': '--mnas-target',
  'reward.w': '--mnas-weight',
  trainerTaskQueue: '--task-queue',
  'sharing.arm': '--sharing-arm',
  'sharing.rounds': '--sharing-rounds',
  'sharing.stepsPerRound': '--sharing-steps',
  'sharing.candidates': '--sharing-candidates',
  'sharing.warmupRounds': '--sharing-warmup',
  'sharing.learningRate': '--sharing-lr',
  'sharing.validationBatches': '--sharing-val-batches',
  finalId: '--id',
  referenceId: '--id',
  architectures: '--architectures',
  secondSeed: '--second-seed',
  top: '--top',
  repeats: '--repeats',
  baselines: '--baselines',
  'finalize.top': '--finalize-top',
  'finalize.repeats': '--finalize-repeats',
  'finalize.baselines': '--finalize-baselines',
  'finalize.protocol': '--finalize-top',
  entries: '<name>',
  base: '--base',
  gridStep: '--grid-step',
  tolerance: '--tolerance',
  phiMax: '--phi-max',
  gridRepeats: '--grid-repeats',
};

// The final protocol of `--finalize-top` takes the protocol flags with a `--finalize-` prefix.
for (const [field, flag] of Object.entries(FLAGS)) {
  if (field.startsWith('protocol.')) FLAGS[`finalize.${field}`] = `--finalize-${flag.slice(2)}`;
}

const BY_LENGTH = Object.keys(FLAGS).sort((a, b) => b.length - a.length);

/** The flag of a field; a deeper field keeps its path after the flag (`--base stages[0].kernel`). */
export function flagOf(field: string): string {
  const prefix = BY_LENGTH.find((f) => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`));
  if (!prefix) return field;
  const rest = field.slice(prefix.length).replace(/^\./, '');
  if (rest === '') return FLAGS[prefix];
  return rest.startsWith('[') ? `${FLAGS[prefix]}${rest}` : `${FLAGS[prefix]} ${rest}`;
}

/** Validators quote the other fields a problem mentions in backticks. */
function inFlagTerms(text: string): string {
  return text.replace(/`([^`]+)`/g, (_, field: string) => flagOf(field));
}

/** Runs a request validator; its RequestError comes out naming the flag. */
export function validateAsFlags(validate: () => void): void {
  try {
    validate();
  } catch (err) {
    if (err instanceof RequestError) throw new RequestError(flagOf(err.field), inFlagTerms(err.problem));
    throw err;
  }
}
