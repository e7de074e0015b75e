/**
 * One training phase of a weight-sharing search's shared network, then one scoring round with the
 * trained weights: the two activities a `--strategy enas` search alternates, run once.
 */
import type {
  ScoreSharedPhaseInput,
  ScoreSharedPhaseResult,
  TrainSharedPhaseInput,
  TrainSharedPhaseResult,
} from '../contracts/activities';
import { sharers } from './activities';

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
  const phases = sharers(input.trainerTaskQueue);
  const train = await phases.trainSharedPhase(input.train);
  const { searchId, seed, space, input: shape, classes, protocol } = input.train;
  const score = await phases.scoreSharedPhase({
    searchId,
    seed,
    space,
    input: shape,
    classes,
    protocol,
    ...input.score,
  });
  return { train, score };
}
