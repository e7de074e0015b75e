/** Every run recorded (searches, baseline runs, scaling studies, final evaluations), newest first: `nas search list`. */
import { desc, eq, inArray, sql } from 'drizzle-orm';
import { isTerminal, TRIAL_STATES } from '../../contracts/trial-state.ts';
import type { Database } from '../client.ts';
import { searches, trials } from '../schema.ts';
import type { SearchKind, SearchStatus } from '../vocabulary.ts';
import { hasSucceededResult } from './succeeded.ts';

export interface SearchListRow {
  id: string;
  kind: SearchKind;
  status: SearchStatus;
  /** The search strategy; null for the other kinds, whose plan is fixed. */
  strategy: string | null;
  /** Trials in a final state. */
  trialsDone: number;
  trialsPlanned: number;
  /** The best validation accuracy among trials with a result; null when none has one. */
  bestValAccuracy: number | null;
  createdAt: Date;
}

const SETTLED = TRIAL_STATES.filter(isTerminal);

export async function listSearches(db: Database): Promise<SearchListRow[]> {
  const done = db
    .select({ searchId: trials.searchId, count: sql<number>`count(*)::int`.as('done') })
    .from(trials)
    .where(inArray(trials.status, SETTLED))
    .groupBy(trials.searchId)
    .as('done');
  const best = db
    .select({
      searchId: trials.searchId,
      valAccuracy: sql<number | null>`max(${trials.valAccuracy})`.as('best_val_accuracy'),
    })
    .from(trials)
    .where(hasSucceededResult)
    .groupBy(trials.searchId)
    .as('best');
  const rows = await db
    .select({
      id: searches.id,
      kind: searches.kind,
      status: searches.status,
      strategy: searches.strategy,
      trialsDone: done.count,
      trialsPlanned: searches.trialsRequested,
      bestValAccuracy: best.valAccuracy,
      createdAt: searches.createdAt,
    })
    .from(searches)
    .leftJoin(done, eq(done.searchId, searches.id))
    .leftJoin(best, eq(best.searchId, searches.id))
    .orderBy(desc(searches.createdAt), searches.id);
  return rows.map((row) => ({
    ...row,
    strategy: row.kind === 'search' ? row.strategy : null,
    trialsDone: Number(row.trialsDone ?? 0),
    bestValAccuracy: row.bestValAccuracy === null ? null : Number(row.bestValAccuracy),
  }));
}
