/** The dashboard's list of every run (search, baselines, scaling study, final evaluation) with its progress. */
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { searches, trials } from '../schema.ts';
import type { SearchKind, SearchStatus } from '../vocabulary.ts';

export interface RunSummary {
  id: string;
  kind: SearchKind;
  status: SearchStatus;
  space: string;
  strategy: string;
  trialsRequested: number;
  /** Trials in a terminal state (succeeded, failed, diverged, over budget, reused, cancelled). */
  trialsDone: number;
  trialsRunning: number;
  bestValAccuracy: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export async function listRuns(db: Database): Promise<RunSummary[]> {
  const progress = db
    .select({
      searchId: trials.searchId,
      done: sql<number>`count(*) filter (where ${trials.status} not in ('queued', 'running'))::int`.as('done'),
      running: sql<number>`count(*) filter (where ${trials.status} = 'running')::int`.as('running'),
      best: sql<
        number | null
      >`max(${trials.valAccuracy}) filter (where ${trials.status} in ('succeeded', 'reused'))::float8`.as('best'),
    })
    .from(trials)
    .groupBy(trials.searchId)
    .as('progress');
  const rows = await db
    .select({
      id: searches.id,
      kind: searches.kind,
      status: searches.status,
      space: searches.space,
      strategy: searches.strategy,
      trialsRequested: searches.trialsRequested,
      trialsDone: sql<number>`coalesce(${progress.done}, 0)`.mapWith(Number),
      trialsRunning: sql<number>`coalesce(${progress.running}, 0)`.mapWith(Number),
      bestValAccuracy: sql<number | null>`${progress.best}`,
      createdAt: searches.createdAt,
      finishedAt: searches.finishedAt,
      error: searches.error,
    })
    .from(searches)
    .leftJoin(progress, eq(progress.searchId, searches.id))
    .orderBy(desc(searches.createdAt), searches.id);
  return rows.map((r) => ({ ...r, bestValAccuracy: r.bestValAccuracy === null ? null : Number(r.bestValAccuracy) }));
}
