/**
 * One page of a run's trial table, sorted and filtered by the database (ORDER BY, WHERE, LIMIT,
 * OFFSET), and what the whole table holds: trials per state and which optional columns any trial fills.
 */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { TrialState } from '../../contracts/trial-state.ts';
import type { Database } from '../client.ts';
import { architectures, trials } from '../schema.ts';
import { runTrialColumns, toRunTrial, type RunTrial } from './dashboard-trials.ts';
import { hasKeptWeights } from './trained-weights.ts';

/** The columns the trial table sorts by. */
export const TRIAL_TABLE_SORTS = [
  'index',
  'state',
  'architecture',
  'val',
  'test',
  'params',
  'flops',
  'fidelity',
  'reward',
  'screen',
  'latency',
  'train',
  'weights',
  'role',
  'worker',
  'finished',
] as const;
export type TrialTableSort = (typeof TRIAL_TABLE_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

const SORT_KEYS: Record<TrialTableSort, SQL> = {
  index: sql`${trials.trialIndex}`,
  state: sql`${trials.status}`,
  architecture: sql`coalesce(${trials.baselineName}, ${architectures.description})`,
  val: sql`${trials.valAccuracy}`,
  test: sql`${trials.testAccuracy}`,
  params: sql`${trials.params}`,
  flops: sql`${trials.flops}`,
  fidelity: sql`${trials.fidelity}`,
  reward: sql`${trials.reward}`,
  screen: sql`(${trials.strategySummary}->>'screenScore')::float8`,
  latency: sql`${trials.latencyMs}`,
  train: sql`${trials.trainSeconds}`,
  weights: hasKeptWeights,
  role: sql`${trials.role}`,
  worker: sql`${trials.worker}`,
  finished: sql`${trials.finishedAt}`,
};

export interface TrialPageRequest {
  sort: TrialTableSort;
  direction: SortDirection;
  /** Only trials in this state; all without. */
  state?: TrialState;
  offset: number;
  limit: number;
}

/** The trials of one page: blanks last in either direction, ties in trial-index order. */
export async function listTrialPage(db: Database, searchId: string, request: TrialPageRequest): Promise<RunTrial[]> {
  const key = SORT_KEYS[request.sort];
  const order = request.direction === 'asc' ? sql`${key} asc nulls last` : sql`${key} desc nulls last`;
  const rows = await db
    .select(runTrialColumns)
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .where(and(eq(trials.searchId, searchId), request.state ? eq(trials.status, request.state) : undefined))
    .orderBy(order, asc(trials.trialIndex))
    .limit(request.limit)
    .offset(request.offset);
  return rows.map(toRunTrial);
}

export interface TrialTableFacts {
  /** Trials per state (only states some trial is in). */
  counts: Map<TrialState, number>;
  total: number;
  /** Whether any trial carries a reward, a screening score (`--screen`), a measured latency, kept weights: the optional columns. */
  rewarded: boolean;
  screened: boolean;
  measured: boolean;
  kept: boolean;
}

export async function trialTableFacts(db: Database, searchId: string): Promise<TrialTableFacts> {
  const rows = await db
    .select({
      status: trials.status,
      count: sql<number>`count(*)::int`.mapWith(Number),
      rewarded: sql<boolean>`bool_or(${trials.reward} is not null)`,
      screened: sql<boolean>`bool_or(${trials.strategySummary} ? 'screenRank')`,
      measured: sql<boolean>`bool_or(${trials.latencyMs} is not null)`,
      kept: sql<boolean>`bool_or(${hasKeptWeights})`,
    })
    .from(trials)
    .where(eq(trials.searchId, searchId))
    .groupBy(trials.status);
  return {
    counts: new Map(rows.map((r) => [r.status, r.count])),
    total: rows.reduce((sum, r) => sum + r.count, 0),
    rewarded: rows.some((r) => r.rewarded),
    screened: rows.some((r) => r.screened),
    measured: rows.some((r) => r.measured),
    kept: rows.some((r) => r.kept),
  };
}
