/**
 * The two activities a weight-sharing search alternates: one training phase of the shared network,
 * then one scoring round with the trained weights (`trainThenScore`, used by every round of
 * enasSearchWorkflow), and `enasPhasesWorkflow`, which runs them once with the phases' own results.
 */
import type {
  ScoreSharedPhaseInput,
  ScoreSharedPhaseResult,
  SharedPhaseSetup,
  TrainSharedPhaseInput,
  TrainSharedPhaseResult,
} from '../contracts/activities.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import { sharers } from './activities.ts';

/** What both phases of a search name: the shared network and its data. */
export function sharedSetup(of: SharedPhaseSetup): SharedPhaseSetup {
  const { searchId, seed, space, input, classes, protocol } = of;
  return { searchId, seed, space, input, classes, protocol };
}

/**
 * Trains, then scores what `scoring` samples once the training phase has ended (a sampler that
 * learns must sample after the training's samples were drawn).
 */
export async function trainThenScore<T extends { architecture: NasnetArchitecture }>(
  setup: SharedPhaseSetup,
  trainerTaskQueue: string,
  training: Omit<TrainSharedPhaseInput, keyof SharedPhaseSetup>,
  scoring: () => Pick<ScoreSharedPhaseInput, 'round' | 'batches'> & { sampled: T[] },
): Promise<{ train: TrainSharedPhaseResult; score: ScoreSharedPhaseResult; scored: T[] }> {
  const phases = sharers(trainerTaskQueue);
  const train = await phases.trainSharedPhase({ ...setup, ...training });
  const { round, batches, sampled } = scoring();
  const architectures = sampled.map((s) => s.architecture);
  const score = await phases.scoreSharedPhase({ ...setup, round, batches, architectures });
  return { train, score, scored: sampled };
}

export interface EnasPhasesInput {
  trainerTaskQueue: string;
  train: TrainSharedPhaseInput;
  /** The scoring round, on the setup of the training phase. */
  score: Pick<ScoreSharedPhaseInput, 'round' | 'batches' | 'architectures'>;
}

export interface EnasPhasesResult {
  train: TrainSharedPhaseResult;
  score: ScoreSharedPhaseResult;
}

export async function enasPhasesWorkflow(input: EnasPhasesInput): Promise<EnasPhasesResult> {
  const { fromStep, toStep, architectures, learningRate, checkpointEvery, microBatchSize } = input.train;
  const { train, score } = await trainThenScore(
    sharedSetup(input.train),
    input.trainerTaskQueue,
    { fromStep, toStep, architectures, learningRate, checkpointEvery, microBatchSize },
    () => ({
      round: input.score.round,
      batches: input.score.batches,
      sampled: input.score.architectures.map((architecture) => ({ architecture })),
    }),
  );
  return { train, score };
}
