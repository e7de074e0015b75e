import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { TRIAL_STATES, type TrialState } from '../../contracts/trial-state.ts';
import type { Database } from '../client.ts';
import { trials } from '../schema.ts';
import { hasSucceededResult } from './succeeded.ts';

export interface SearchProgress {
  counts: Record<TrialState, number>;
  total: number;
  best: { trialId: string; valAccuracy: number } | null;
  /** Training time actually spent by this search (reused trials cost nothing). */
  trainSeconds: number;
}

/** The run's trials per state. */
export async function trialCounts(db: Database, searchId: string): Promise<Record<TrialState, number>> {
  const counted = await db
    .select({ status: trials.status, count: sql<number>`count(*)::int` })
    .from(trials)
    .where(eq(trials.searchId, searchId))
    .groupBy(trials.status);
  const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  for (const { status, count } of counted) counts[status as TrialState] = Number(count);
  return counts;
}

export async function searchProgress(db: Database, searchId: string): Promise<SearchProgress> {
  const counts = await trialCounts(db, searchId);

  const [best] = await db
    .select({ trialId: trials.id, valAccuracy: trials.valAccuracy })
    .from(trials)
    .where(and(eq(trials.searchId, searchId), hasSucceededResult, isNotNull(trials.valAccuracy)))
    .orderBy(desc(trials.valAccuracy), trials.trialIndex)
    .limit(1);

  const [spent] = await db
    .select({ seconds: sql<number>`coalesce(sum(${trials.trainSeconds}), 0)::float8` })
    .from(trials)
    .where(and(eq(trials.searchId, searchId), isNull(trials.reusedFrom)));

  return {
    counts,
    total: Object.values(counts).reduce((sum, n) => sum + n, 0),
    best: best ? { trialId: best.trialId, valAccuracy: best.valAccuracy as number } : null,
    trainSeconds: Number(spent.seconds),
  };
}
