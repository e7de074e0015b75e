/**
 * The requests workflows receive (search, baselines; the scaling study's is in
 * scaling-plan.ts), the dataset registry, and the error type of their
 * validators (validate-request.ts): a RequestError names the request field.
 */
import type { Architecture, InputShape } from '../cells/types';
import type { TrainingProtocol } from './protocol';
import type { SpaceSpec } from './spaces';
import type { StrategyConfig } from './strategies/types';
import type { RewardConfig } from './reward';
import type { SearchFinalize } from './final';

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
  /** The in-process trainer the search was started with, which `nas search resume` starts again. */
  trainer?: TrainerRecord;
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

/** The datasets a protocol can name: input shape, classes, and the sizes of the training and test sets. */

/** Largest value of a Postgres integer (int4) column: trial indices, seeds, requested trials, epochs. */
export const INT4_MAX = 2147483647;
export const SPACES = ['nasnet', 'efficientnet'] as const;
export const STRATEGIES = ['random', 'reinforce', 'evolution'] as const;

/** A value as an error line shows it: JSON, cut to about 100 characters. */
export function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Bad user input: names the field and what is allowed. */
export class RequestError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'RequestError';
  }
}

export function requirePositiveInteger(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new RequestError(field, `must be a positive integer, got ${shown(value)}`);
  }
  return n;
}

export function requireNonNegativeInteger(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RequestError(field, `must be a non-negative integer, got ${shown(value)}`);
  }
  return n;
}

export function requirePositiveNumber(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new RequestError(field, `must be a positive number, got ${shown(value)}`);
  }
  return n;
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RequestError(field, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

const SEARCH_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function requireSearchId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SEARCH_ID.test(value)) {
    throw new RequestError(
      field,
      `must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit, got ${shown(value)}`,
    );
  }
  return value;
}
