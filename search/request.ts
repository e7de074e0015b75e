/**
 * The requests workflows receive (search, baselines; the scaling study's is in
 * scaling-plan.ts); their validators are in validate-request.ts.
 */
import type { Architecture, InputShape } from '../contracts/genotypes.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import type { SpaceSpec } from './spaces.ts';
import type { StrategyConfig } from './strategies/types.ts';
import type { RewardConfig } from '../contracts/reward-config.ts';
import type { SearchFinalize } from './final.ts';
import type { ScreenEstimator } from '../contracts/estimators.ts';
import type { SharingRequest } from './sharing.ts';

/**
 * `--screen E --screen-candidates N`: the strategy proposes N candidates, the trainer scores them
 * with estimator E, and only the `trials` best by score are trained, best first.
 */
export interface ScreenRequest {
  estimator: ScreenEstimator;
  candidates: number;
}

/**
 * Proposals one search may screen: each batch of 8 puts its genotypes (about 1 KB each in the default
 * NASNet space) in the history, about 5 MB at this many, well inside Temporal's 50 MB.
 */
export const MAX_SCREEN_CANDIDATES = 4096;

export interface CostBudget {
  maxParams?: number;
  maxFlops?: number;
  /** Batch-1 inference latency in ms the trainer measures before training; above it the trial ends over_budget untrained. */
  maxLatencyMs?: number;
}

/** Which succeeded search trials keep their trained weights for `nas export` (final and baseline trials always do). */
export const KEEP_WEIGHTS = ['none', 'all'] as const;
export type KeepWeights = (typeof KEEP_WEIGHTS)[number];

export interface SearchRequest {
  searchId: string;
  space: SpaceSpec;
  strategy: StrategyConfig;
  trials: number;
  parallel: number;
  seed: number;
  protocol: TrainingProtocol;
  budget: CostBudget;
  reward: RewardConfig;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
  /** Trials one workflow run dispatches before it continues-as-new (default 500). */
  trialsPerRun?: number;
  /** Default 'none'. */
  keepWeights?: KeepWeights;
  /** Finalize when the loop ends (`--finalize-top K`): a finalize workflow as a child (search/final.ts). */
  finalize?: SearchFinalize;
  /** Score more proposals than are trained with a cheap estimator, and train the best (search/screening.ts). */
  screen?: ScreenRequest;
  /** The in-process trainer the search was started with, which `nas search resume` starts again. */
  trainer?: TrainerRecord;
  /** A weight-sharing search (`--strategy enas`, search/sharing.ts): its rounds instead of trainings. */
  sharing?: SharingRequest;
}

/** `--backend` of the command that started a run, and the NAS_SIMULATED_* variables the simulated trainer read. */
export interface TrainerRecord {
  backend: string;
  settings?: Record<string, string>;
}

export interface BaselineEntry {
  /** Stable position in the baseline registry: the trial index, so reruns hit the same rows. */
  index: number;
  name: string;
  architecture: Architecture;
}

export interface BaselinesRequest {
  searchId: string;
  entries: BaselineEntry[];
  protocol: TrainingProtocol;
  parallel: number;
  budget: CostBudget;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
}

export const SPACES = ['nasnet', 'efficientnet'] as const;
/** `--strategy`: the strategies of search/strategies, and `enas`, a weight-sharing search (search/sharing.ts). */
export const STRATEGIES = ['random', 'reinforce', 'evolution', 'enas'] as const;
