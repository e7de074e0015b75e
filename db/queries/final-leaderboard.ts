/**
 * The leaderboard of a search's final evaluation (workflows/finalize.ts): one row per
 * architecture (candidates and baselines) under the final protocol hash, with the mean test
 * accuracy over its repeats, a 95% interval, ties with the leader and the Pareto front of mean
 * accuracy against FLOPs. And the fidelity report: do the search's cheap trainings rank the
 * finalized candidates as the final trainings do?
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import {
  bootstrapInterval,
  kendallTauB,
  meanInterval,
  median,
  spearman,
  tiesWithLeader,
  topKOverlap,
  wilsonInterval,
  type BootstrapInterval,
  type TopKOverlap,
} from '../../numeric/statistics.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { Database } from '../client.ts';
import { architectures, protocols, searches, trials } from '../schema.ts';
import { leaderboard } from './leaderboard.ts';
import { hasSucceededResult } from './succeeded.ts';

export interface FinalRow {
  rank: number;
  kind: 'discovered' | 'baseline';
  /** Baseline name, or the architecture's description. */
  name: string;
  archHash: string;
  /** Mean test accuracy over the repeats. */
  meanTestAccuracy: number;
  /** 95% interval: Student t over repeats (2 or more; clipped to [0, 1]), else Wilson of the one accuracy on testSize images. */
  low: number | null;
  high: number | null;
  interval: 'student-t' | 'wilson' | 'none';
  repeats: number;
  /** Sample standard deviation over repeats; null with one repeat. */
  sd: number | null;
  /** One test accuracy per repeat, in seed order, and the seeds. */
  testAccuracies: number[];
  seeds: number[];
  testSize: number;
  params: number;
  flops: number;
  /** Not significantly different from the leader (Welch's t with 2+ repeats on both sides, else two-proportion z; two-sided, 5%). */
  tied: boolean;
  leader: boolean;
  /** p-value of the tie test against the leader; null for the leader. */
  p: number | null;
  test: 'leader' | 'welch' | 'two-proportion';
  /** No other row has a higher-or-equal mean at lower-or-equal FLOPs (one of them strictly). */
  pareto: boolean;
  /** Median over the repeats of the batch-1 inference latency their trainers measured (ms); absent when none was. */
  latencyMs?: number;
}

export interface FinalLeaderboard {
  searchId: string;
  finalId: string;
  protocolHash: string;
  protocol: TrainingProtocol | null;
  rows: FinalRow[];
}

/** The latest final evaluation of the search (or the one named), null when it has none. */
export async function latestFinalId(db: Database, searchId: string, finalId?: string): Promise<string | null> {
  const where = finalId
    ? and(eq(searches.id, finalId), eq(searches.kind, 'final'))
    : and(eq(searches.kind, 'final'), sql`${searches.config}->>'searchId' = ${searchId}`);
  const [row] = await db
    .select({ id: searches.id })
    .from(searches)
    .where(where)
    .orderBy(desc(searches.createdAt), desc(searches.id))
    .limit(1);
  return row?.id ?? null;
}

export async function finalLeaderboard(
  db: Database,
  searchId: string,
  finalId?: string,
): Promise<FinalLeaderboard | null> {
  const id = await latestFinalId(db, searchId, finalId);
  if (!id) return null;
  const results = await db
    .select({
      archHash: trials.archHash,
      baselineName: trials.baselineName,
      description: architectures.description,
      protocolHash: trials.protocolHash,
      protocol: protocols.protocol,
      seed: trials.seed,
      testAccuracy: trials.testAccuracy,
      params: trials.params,
      flops: trials.flops,
      latencyMs: trials.latencyMs,
    })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .innerJoin(protocols, eq(protocols.hash, trials.protocolHash))
    .where(and(eq(trials.searchId, id), hasSucceededResult, sql`${trials.testAccuracy} is not null`))
    .orderBy(trials.archHash, trials.seed, trials.id);
  const hashes = [...new Set(results.map((r) => r.protocolHash))];
  if (hashes.length > 1)
    throw new Error(
      `final evaluation ${id}: trials under ${hashes.length} protocols (${hashes.join(', ')}); one expected`,
    );

  const byArch = new Map<string, typeof results>();
  for (const row of results) byArch.set(row.archHash, [...(byArch.get(row.archHash) ?? []), row]);
  const grouped = [...byArch.values()].map((repeats) => {
    const first = repeats[0];
    const testAccuracies = repeats.map((r) => r.testAccuracy!);
    const latencies = repeats.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]));
    const testSize = first.protocol.testSize;
    const stats = meanInterval(testAccuracies);
    const single =
      testAccuracies.length === 1 && testSize > 0
        ? wilsonInterval(Math.min(1, Math.max(0, stats.mean)), testSize)
        : null;
    return {
      kind: (first.baselineName ? 'baseline' : 'discovered') as FinalRow['kind'],
      name: first.baselineName ?? first.description,
      archHash: first.archHash,
      meanTestAccuracy: stats.mean,
      // A Student-t interval of few repeats can reach past 0% or 100%; an accuracy cannot.
      low: stats.low !== null ? Math.max(0, stats.low) : (single?.low ?? null),
      high: stats.high !== null ? Math.min(1, stats.high) : (single?.high ?? null),
      interval: (stats.low !== null ? 'student-t' : single ? 'wilson' : 'none') as FinalRow['interval'],
      repeats: testAccuracies.length,
      sd: stats.sd,
      testAccuracies,
      seeds: repeats.map((r) => r.seed),
      testSize,
      params: Number(first.params),
      flops: Number(first.flops),
      ...(latencies.length > 0 && { latencyMs: median(latencies) }),
    };
  });
  grouped.sort(
    (a, b) => b.meanTestAccuracy - a.meanTestAccuracy || a.params - b.params || a.archHash.localeCompare(b.archHash),
  );
  const ties = tiesWithLeader(grouped.map((g) => ({ accuracies: g.testAccuracies, samples: Math.max(1, g.testSize) })));
  const rows: FinalRow[] = grouped.map((g, i) => ({
    rank: i + 1,
    ...g,
    ...ties[i],
    pareto: !grouped.some(
      (o) =>
        o.meanTestAccuracy >= g.meanTestAccuracy &&
        o.flops <= g.flops &&
        (o.meanTestAccuracy > g.meanTestAccuracy || o.flops < g.flops),
    ),
  }));
  return { searchId, finalId: id, protocolHash: hashes[0] ?? '', protocol: results[0]?.protocol ?? null, rows };
}

export interface FidelityPair {
  archHash: string;
  name: string;
  /** The search's validation accuracy at its final fidelity. */
  searchAccuracy: number;
  /** Mean final test accuracy over the repeats. */
  finalAccuracy: number;
}

export interface FidelityReport {
  searchId: string;
  finalId: string;
  /** Finalized candidates with both accuracies, in the search's order (best first). */
  pairs: FidelityPair[];
  /** Rank correlations over the pairs with their seeded percentile-bootstrap 95% intervals; null with fewer than 2 pairs. */
  spearman: BootstrapInterval | null;
  kendall: BootstrapInterval | null;
  bootstrap: { seed: number; resamples: number };
  /** Overlap of the search's and the final top-k among the finalized candidates. */
  topK: TopKOverlap[];
}

export const FIDELITY_BOOTSTRAP = { seed: 1, resamples: 2000 } as const;

/**
 * Spearman and Kendall between the search's accuracies and the final mean test accuracies over
 * the finalized candidates (baselines left out), each with a bootstrap interval, and the top-k
 * overlap for k = 1 and half the candidates.
 */
export async function fidelityReport(db: Database, searchId: string, finalId?: string): Promise<FidelityReport | null> {
  const final = await finalLeaderboard(db, searchId, finalId);
  if (!final) return null;
  const searchRows = await leaderboard(db, { searchId, top: 100_000 });
  const searchAccuracy = new Map(
    searchRows.flatMap((r) =>
      r.valAccuracy === null || r.kind !== 'discovered' ? [] : [[r.archHash, r.valAccuracy] as const],
    ),
  );
  const pairs = final.rows
    .filter((r) => r.kind === 'discovered' && searchAccuracy.has(r.archHash))
    .map((r) => ({
      archHash: r.archHash,
      name: r.name,
      searchAccuracy: searchAccuracy.get(r.archHash)!,
      finalAccuracy: r.meanTestAccuracy,
    }))
    .sort((a, b) => b.searchAccuracy - a.searchAccuracy || a.archHash.localeCompare(b.archHash));
  const x = pairs.map((p) => p.searchAccuracy);
  const y = pairs.map((p) => p.finalAccuracy);
  const options = { seed: FIDELITY_BOOTSTRAP.seed, resamples: FIDELITY_BOOTSTRAP.resamples };
  const bySearch = pairs.map((p) => p.archHash);
  const byFinal = [...pairs]
    .sort((a, b) => b.finalAccuracy - a.finalAccuracy || a.archHash.localeCompare(b.archHash))
    .map((p) => p.archHash);
  const ks = [...new Set([1, Math.floor(pairs.length / 2)])].filter((k) => k >= 1 && k <= pairs.length);
  return {
    searchId,
    finalId: final.finalId,
    pairs,
    spearman: pairs.length >= 2 ? bootstrapInterval(x, y, spearman, options) : null,
    kendall: pairs.length >= 2 ? bootstrapInterval(x, y, kendallTauB, options) : null,
    bootstrap: options,
    topK: ks.map((k) => topKOverlap(bySearch, byFinal, k)),
  };
}
