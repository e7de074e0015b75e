/** The recorded zero-cost proxy scores (schema.ts estimatorScores): read by key, written once. */
import { and, eq, inArray } from 'drizzle-orm';
import type { ZeroCostProxy } from '../../contracts/estimators';
import type { Database } from '../client';
import { estimatorScores } from '../schema';

export type EstimatorScoreRow = typeof estimatorScores.$inferSelect;
export type NewEstimatorScore = Omit<typeof estimatorScores.$inferInsert, 'createdAt'> & { estimator: ZeroCostProxy };

/** What is shared by the scores of one set of architectures. */
export interface EstimatorScoreScope {
  protocolHash: string;
  batchSize: number;
  seed: number;
  version: number;
}

/** The recorded scores of these architectures in this scope. */
export async function recordedEstimatorScores(
  db: Database,
  scope: EstimatorScoreScope,
  archHashes: readonly string[],
): Promise<EstimatorScoreRow[]> {
  if (archHashes.length === 0) return [];
  return db
    .select()
    .from(estimatorScores)
    .where(
      and(
        eq(estimatorScores.protocolHash, scope.protocolHash),
        eq(estimatorScores.batchSize, scope.batchSize),
        eq(estimatorScores.seed, scope.seed),
        eq(estimatorScores.version, scope.version),
        inArray(estimatorScores.archHash, [...archHashes]),
      ),
    );
}

/** Inserts each score unless its key is recorded already (a repeated or concurrent run adds nothing). */
export async function recordEstimatorScores(db: Database, rows: readonly NewEstimatorScore[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(estimatorScores)
    .values([...rows])
    .onConflictDoNothing()
    .returning({ archHash: estimatorScores.archHash });
  return inserted.length;
}
