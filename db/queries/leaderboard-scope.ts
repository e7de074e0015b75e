/**
 * What a search's leaderboard ranks: the results of one training protocol (one fidelity level
 * of a successive-halving search, the final one unless asked otherwise) and the objective its
 * reward column shows, both read from the search's recorded request.
 */
import { and, eq, sql } from 'drizzle-orm';
import { fidelityLadder } from '../../contracts/fidelity.ts';
import { protocolHash, type TrainingProtocol } from '../../contracts/protocol.ts';
import type { RewardConfig } from '../../contracts/reward-config.ts';
import type { HalvingConfig } from '../../contracts/fidelity.ts';
import type { Database } from '../client.ts';
import { trials } from '../schema.ts';
import { getSearch } from './searches.ts';

export interface LeaderboardScope {
  /** Protocol hashes ranked together: one, or none when the search has no trial at that level. */
  protocolHashes: string[];
  fidelity: number;
  levels: number;
  reward: RewardConfig;
  /** The estimator that screened the search's proposals (`--screen`), if one did. */
  screenEstimator?: string;
}

interface RecordedRequest {
  protocol?: TrainingProtocol;
  screen?: { estimator?: string };
  strategy?: { halving?: HalvingConfig | null };
  reward?: RewardConfig;
}

export async function leaderboardScope(db: Database, searchId: string, fidelity?: number): Promise<LeaderboardScope> {
  const search = await getSearch(db, searchId);
  const request = (search?.config ?? {}) as RecordedRequest;
  const halving = request.strategy?.halving ?? null;
  const levels = halving?.levels ?? 1;
  const level = fidelity ?? levels - 1;
  if (!Number.isInteger(level) || level < 0 || level >= levels) {
    throw new RangeError(`leaderboard fidelity: ${fidelity} is not a level of search ${searchId} (0..${levels - 1})`);
  }
  const reward = request.reward ?? { objective: 'accuracy' };
  const screen = request.screen?.estimator ? { screenEstimator: request.screen.estimator } : {};
  if (request.protocol) {
    return {
      protocolHashes: [protocolHash(fidelityLadder(request.protocol, halving)[level])],
      fidelity: level,
      levels,
      reward,
      ...screen,
    };
  }
  // A search recorded without its protocol: the protocol of its trials at that level.
  const rows = await db
    .selectDistinct({ hash: trials.protocolHash })
    .from(trials)
    .where(and(eq(trials.searchId, searchId), eq(trials.fidelity, level)))
    .orderBy(sql`1`);
  return { protocolHashes: rows.map((r) => r.hash), fidelity: level, levels, reward, ...screen };
}
