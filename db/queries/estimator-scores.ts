/** The recorded zero-cost proxy scores (schema.ts estimatorScores): read by key, written once. */
import { and, eq, inArray } from 'drizzle-orm';
import { PROXY_BATCH_SIZE, PROXY_VERSION, ZERO_COST_PROXIES, type ZeroCostProxy } from '../../contracts/estimators.ts';
import { protocolHash, type TrainingProtocol } from '../../contracts/protocol.ts';
import type { Database } from '../client.ts';
import { estimatorScores } from '../schema.ts';

export type EstimatorScoreRow = typeof estimatorScores.$inferSelect;
export type NewEstimatorScore = Omit<typeof estimatorScores.$inferInsert, 'createdAt'> & { estimator: ZeroCostProxy };

/** What is shared by the scores of one set of architectures. */
export interface EstimatorScoreScope {
  protocolHash: string;
  batchSize: number;
  seed: number;
  version: number;
}

/** The scope of proxies computed for trainings under `protocol`: its training split, its seed's initial weights. */
export function estimatorScoreScopeOf(protocol: TrainingProtocol): EstimatorScoreScope {
  return {
    protocolHash: protocolHash(protocol),
    batchSize: PROXY_BATCH_SIZE,
    seed: protocol.seed,
    version: PROXY_VERSION,
  };
}

/** The hashes (each once, in order) that lack a recorded score of some zero-cost proxy. */
export function hashesMissingProxies(recorded: readonly EstimatorScoreRow[], archHashes: readonly string[]): string[] {
  const have = new Set(recorded.map((r) => `${r.archHash}/${r.estimator}`));
  return [...new Set(archHashes)].filter((hash) => ZERO_COST_PROXIES.some((p) => !have.has(`${hash}/${p}`)));
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
