import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { protocols, trials } from '../schema.ts';
import { hasSucceededResult } from './succeeded.ts';

const atProtocolSeed = sql`${trials.seed} = (select (${protocols.protocol}->>'seed')::int from ${protocols} where ${protocols.hash} = ${trials.protocolHash})`;

export interface BaselineResult {
  name: string;
  trialId: string;
  valAccuracy: number | null;
  testAccuracy: number | null;
  trainSeconds: number | null;
}

/** The succeeded baseline trainings under one protocol, by baseline name (the best if trained twice). */
export async function baselineResults(db: Database, protocolHash: string): Promise<Map<string, BaselineResult>> {
  const rows = await db
    .select({
      name: trials.baselineName,
      trialId: trials.id,
      valAccuracy: trials.valAccuracy,
      testAccuracy: trials.testAccuracy,
      trainSeconds: trials.trainSeconds,
    })
    .from(trials)
    // One training per baseline and protocol: the one at the protocol's own seed (a final evaluation's other repeats are in its leaderboard).
    .where(
      and(isNotNull(trials.baselineName), eq(trials.protocolHash, protocolHash), hasSucceededResult, atProtocolSeed),
    );
  const byName = new Map<string, BaselineResult>();
  for (const row of rows) {
    const known = byName.get(row.name!);
    if (!known || (row.valAccuracy ?? 0) > (known.valAccuracy ?? 0)) byName.set(row.name!, { ...row, name: row.name! });
  }
  return byName;
}
