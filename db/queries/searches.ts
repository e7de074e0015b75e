import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { searches } from '../schema.ts';
import { SEARCH_STATUSES, TERMINAL_SEARCH_STATUSES, type SearchKind, type SearchStatus } from '../vocabulary.ts';

export type Search = typeof searches.$inferSelect;

export interface NewSearch {
  id: string;
  kind: SearchKind;
  status?: SearchStatus;
  space: string;
  strategy: string;
  seed: number;
  trialsRequested: number;
  /** The whole validated request. */
  config: unknown;
}

/**
 * Records a search once: a retried or repeated call (continue-as-new, activity
 * retry) leaves the existing row untouched and returns it as it is now.
 */
export async function upsertSearch(db: Database, row: NewSearch): Promise<Search> {
  await db
    .insert(searches)
    .values({ ...row, status: row.status ?? 'running' })
    .onConflictDoNothing({ target: searches.id });
  const current = await getSearch(db, row.id);
  if (!current) throw new Error(`search ${row.id}: row vanished right after insert`);
  return current;
}

export async function getSearch(db: Database, id: string): Promise<Search | null> {
  const [row] = await db.select().from(searches).where(eq(searches.id, id));
  return row ?? null;
}

/**
 * Moves a search to `status` unless it already ended (finished, stopped, failed).
 * Returns whether the row changed.
 */
export async function setSearchStatus(db: Database, id: string, status: SearchStatus): Promise<boolean> {
  if (!SEARCH_STATUSES.includes(status)) {
    throw new Error(`search status: '${status}' is not one of ${SEARCH_STATUSES.join(', ')}`);
  }
  const ends = TERMINAL_SEARCH_STATUSES.includes(status);
  const changed = await db
    .update(searches)
    .set({ status, updatedAt: sql`now()`, ...(ends ? { finishedAt: sql`now()` } : {}) })
    .where(and(eq(searches.id, id), notInArray(searches.status, [...TERMINAL_SEARCH_STATUSES])))
    .returning({ id: searches.id });
  return changed.length > 0;
}

/**
 * Ends a search as 'failed' with `error`, unless it already ended; returns whether the row
 * changed. A missing row is no error: the workflow may fail before it recorded the search.
 */
export async function failSearch(db: Database, id: string, error: string): Promise<boolean> {
  const changed = await db
    .update(searches)
    .set({ status: 'failed', error, updatedAt: sql`now()`, finishedAt: sql`now()` })
    .where(and(eq(searches.id, id), notInArray(searches.status, [...TERMINAL_SEARCH_STATUSES])))
    .returning({ id: searches.id });
  return changed.length > 0;
}

/** Ids of the searches, baseline runs and studies whose status is 'running' (not paused, not ended). */
export async function runningSearchIds(db: Database): Promise<string[]> {
  const rows = await db.select({ id: searches.id }).from(searches).where(eq(searches.status, 'running'));
  return rows.map((row) => row.id);
}
