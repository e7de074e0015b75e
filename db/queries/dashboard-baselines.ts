/**
 * The hand-designed baselines other runs trained under the given protocols, best copy of each
 * architecture, at the protocol's own seed (as the leaderboard picks them with includeBaselines),
 * without ranking a whole search to find them.
 */
import { and, asc, desc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { architectures, protocols, trials } from '../schema.ts';
import { hasSucceededResult } from './succeeded.ts';

export interface ProtocolBaseline {
  trialId: string;
  archHash: string;
  name: string;
  valAccuracy: number;
  params: number;
  flops: number;
}

export async function listOtherRunsBaselines(
  db: Database,
  searchId: string,
  protocolHashes: string[],
): Promise<ProtocolBaseline[]> {
  if (protocolHashes.length === 0) return [];
  const rows = await db
    .selectDistinctOn([trials.archHash], {
      trialId: trials.id,
      archHash: trials.archHash,
      name: sql<string>`coalesce(${trials.baselineName}, ${architectures.description})`,
      valAccuracy: trials.valAccuracy,
      params: trials.params,
      flops: trials.flops,
    })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .innerJoin(protocols, eq(protocols.hash, trials.protocolHash))
    .where(
      and(
        inArray(trials.protocolHash, protocolHashes),
        isNotNull(trials.baselineName),
        ne(trials.searchId, searchId),
        sql`${trials.seed} = (${protocols.protocol}->>'seed')::int`,
        isNotNull(trials.valAccuracy),
        hasSucceededResult,
      ),
    )
    .orderBy(asc(trials.archHash), sql`${trials.reusedFrom} is null desc`, desc(trials.valAccuracy), asc(trials.id));
  return rows.map((r) => ({ ...r, valAccuracy: r.valAccuracy!, params: Number(r.params), flops: Number(r.flops) }));
}
