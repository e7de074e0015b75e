/**
 * Runs that train a plan fixed in advance (final evaluations, reference builds, scaling studies):
 * no strategy, no cost budget, accuracy as the reward, every trial at the one fidelity level.
 */
import type { InputShape } from '../contracts/genotypes.ts';
import type { PoolOptions, PoolTrial, TrialPool } from './trial-pool.ts';

interface PlanRequest {
  parallel: number;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
}

export function fixedPlanPoolOptions<T extends PoolTrial>(
  runId: string,
  trials: number,
  request: PlanRequest,
): PoolOptions<T> {
  return {
    searchId: runId,
    trials,
    parallel: request.parallel,
    budget: {},
    reward: { objective: 'accuracy' },
    finalFidelity: 0,
    input: request.input,
    classes: request.classes,
    trainerTaskQueue: request.trainerTaskQueue,
  };
}

/** Trains the waiting trials in order; each result is released as it comes. */
export function runPlan<T extends PoolTrial>(pool: TrialPool<T>, waiting: T[]): Promise<void> {
  return pool.run({
    next: () => waiting.shift() ?? null,
    finished: () => waiting.length === 0,
    mayRelease: () => true,
    release: () => {},
  });
}
