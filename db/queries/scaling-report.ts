/** What the scaling activities and `nas scaling report` need beyond db/queries/scaling. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { scalingStudies, searches } from '../schema.ts';
import { TERMINAL_SEARCH_STATUSES } from '../vocabulary.ts';
import { getScalingStudy, listScalingPoints, type ScalingPointResult, type ScalingStudy } from './scaling.ts';

/**
 * A study that is run again (resumed after it was stopped or failed) is
 * running again: its study row and its search row leave their ended state,
 * and the study keeps the request it now runs (a resume may ask for more repeats).
 */
export async function reopenScalingStudy(db: Database, id: string, config?: unknown): Promise<void> {
  if (config !== undefined) await db.update(scalingStudies).set({ config }).where(eq(scalingStudies.id, id));
  await db
    .update(scalingStudies)
    .set({ status: 'running', finishedAt: null })
    .where(and(eq(scalingStudies.id, id), inArray(scalingStudies.status, ['finished', 'stopped', 'failed'])));
  await db
    .update(searches)
    .set({ status: 'running', finishedAt: null, updatedAt: sql`now()` })
    .where(and(eq(searches.id, id), inArray(searches.status, [...TERMINAL_SEARCH_STATUSES])));
}

export interface ScalingReport {
  study: ScalingStudy;
  points: ScalingPointResult[];
}

export async function scalingReport(db: Database, id: string): Promise<ScalingReport | null> {
  const study = await getScalingStudy(db, id);
  if (!study) return null;
  return { study, points: await listScalingPoints(db, id) };
}
