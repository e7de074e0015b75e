/**
 * A search request as the workflow receives it, and its validation. The CLI
 * validates before anything is started; the workflow trusts what it gets.
 */
import type { InputShape } from '../cells/types';
import type { TrainingProtocol } from './protocol';
import type { SpaceSpec } from './spaces';
import type { StrategyConfig } from './strategies/types';
import type { RewardConfig } from './reward';

export interface CostBudget {
  maxParams?: number;
  maxFlops?: number;
}

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
}

export const DATASETS = { 'fashion-mnist': { input: { height: 28, width: 28, channels: 1 }, classes: 10 } } as const;
export const SPACES = ['nasnet', 'efficientnet'] as const;
export const STRATEGIES = ['random', 'reinforce', 'evolution'] as const;

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
    throw new RequestError(field, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function requireNonNegativeInteger(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RequestError(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function requirePositiveNumber(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new RequestError(field, `must be a positive number, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RequestError(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

const SEARCH_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function requireSearchId(field: string, value: string): string {
  if (!SEARCH_ID.test(value)) {
    throw new RequestError(field, 'must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit');
  }
  return value;
}

/** Checks what the parts' own validators cannot see: how the counts relate. */
export function checkSearchCounts(request: Pick<SearchRequest, 'trials' | 'parallel'>): void {
  if (request.parallel > request.trials) {
    throw new RequestError('--parallel', `must not exceed --trials (${request.trials}), got ${request.parallel}`);
  }
}
