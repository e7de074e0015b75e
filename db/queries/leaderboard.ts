import { and, eq, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import { DEFAULT_MNAS_W, type RewardConfig, type RewardCost } from '../../contracts/reward-config.ts';
import { wilsonInterval } from '../../numeric/statistics.ts';
import type { TrialState } from '../../contracts/trial-state.ts';
import type { Database } from '../client.ts';
import { architectures, protocols, trials } from '../schema.ts';
import { leaderboardScope } from './leaderboard-scope.ts';
import { hasSucceededResult } from './succeeded.ts';

import { LEADERBOARD_SORTS, PARETO_COSTS, type LeaderboardSort, type ParetoCost } from '../vocabulary.ts';

export { LEADERBOARD_SORTS, PARETO_COSTS, type LeaderboardSort, type ParetoCost };

export interface LeaderboardOptions {
  searchId: string;
  /** Default 20. */
  top?: number;
  /** Default 'reward' when the search's objective is mnas, else 'val_acc' (highest first); 'params' and 'flops' cheapest first. */
  sort?: LeaderboardSort;
  /** The fidelity level ranked (successive halving); default the final, full-budget level. */
  fidelity?: number;
  /** Keep only rows no other row beats in both validation accuracy and this cost. */
  pareto?: ParetoCost;
  /** Add succeeded hand-designed baselines (of any search) trained under the ranked protocol. */
  includeBaselines?: boolean;
}

export interface LeaderboardRow {
  rank: number;
  trialId: string;
  kind: 'discovered' | 'baseline';
  /** Baseline name, or the architecture's description. */
  name: string;
  archHash: string;
  valAccuracy: number | null;
  /** 95% Wilson interval of valAccuracy measured on valSize images; null without an accuracy or a size. */
  valAccuracyLow: number | null;
  valAccuracyHigh: number | null;
  /** Images the validation accuracy was measured on (the protocol's valSize; a shared-weight score's scored images). */
  valSize: number | null;
  testAccuracy: number | null;
  /** 95% Wilson interval of testAccuracy measured on testSize images; null without an accuracy or when testSize is 0. */
  testAccuracyLow: number | null;
  testAccuracyHigh: number | null;
  /** Images the test accuracy was measured on (the protocol's testSize; 0: not evaluated). */
  testSize: number | null;
  params: number;
  flops: number;
  trainSeconds: number | null;
  status: TrialState;
  /** The search's objective (MnasNet's when it has one); present when it is not plain accuracy or when sorting by it. */
  reward?: number | null;
  /** Median batch-1 inference latency in ms on latencyDevice; present only when the trainer measured it. */
  latencyMs?: number;
  latencyDevice?: string | null;
  /**
   * A screening search's (`--screen`) estimator and the score and rank (1 = best of all proposals
   * scored) it gave this architecture before training; null for rows it did not screen (baselines).
   */
  screenEstimator?: string;
  screenScore?: number | null;
  screenRank?: number | null;
}

function validate(
  options: LeaderboardOptions,
  reward: RewardConfig,
): Required<Omit<LeaderboardOptions, 'pareto' | 'fidelity'>> & { pareto?: ParetoCost } {
  const {
    searchId,
    top = 20,
    sort = reward.objective === 'mnas' ? 'reward' : 'val_acc',
    pareto,
    includeBaselines = false,
  } = options;
  if (!Number.isInteger(top) || top < 1) throw new Error(`leaderboard top: ${top} must be a positive integer`);
  if (!LEADERBOARD_SORTS.includes(sort)) {
    throw new Error(`leaderboard sort: '${sort}' is not one of ${LEADERBOARD_SORTS.join(', ')}`);
  }
  if (pareto !== undefined && !PARETO_COSTS.includes(pareto)) {
    throw new Error(`leaderboard pareto: '${pareto}' is not one of ${PARETO_COSTS.join(', ')}`);
  }
  return { searchId, top, sort, pareto, includeBaselines };
}

function dominates(a: LeaderboardRow, b: LeaderboardRow, cost: ParetoCost): boolean {
  const accA = a.valAccuracy ?? -Infinity;
  const accB = b.valAccuracy ?? -Infinity;
  return accA >= accB && a[cost] <= b[cost] && (accA > accB || a[cost] < b[cost]);
}

/**
 * The reward of a row: this search's own trials carry the one the workflow stored; baselines
 * trained elsewhere, trials recorded before rewards were stored and trials under plain accuracy
 * (the workflow stores none: it is the validation accuracy) get the same objective computed here.
 */
function rewardColumn(searchId: string, reward: RewardConfig): SQL<number | null> {
  const accuracy = sql`${trials.valAccuracy}::float8`;
  const computed =
    reward.objective === 'mnas'
      ? sql`${accuracy} * power(${costColumn(reward.cost)}::float8 / ${reward.target}::float8, ${reward.w ?? DEFAULT_MNAS_W}::float8)`
      : accuracy;
  return sql<
    number | null
  >`case when ${trials.searchId} = ${searchId} then coalesce(${trials.reward}::float8, ${computed}) else ${computed} end`;
}

/** The trial column of a reward's cost (a trial without a measured latency gets no latency reward). */
function costColumn(cost: RewardCost) {
  return cost === 'params' ? trials.params : cost === 'flops' ? trials.flops : trials.latencyMs;
}

/** A single run's accuracy is a proportion of n images: its binomial (Wilson) interval is the spread we can state. */
function binomialInterval(accuracy: number | null, n: number | null): { low: number | null; high: number | null } {
  if (accuracy === null || n === null || !Number.isInteger(n) || n < 1) return { low: null, high: null };
  return wilsonInterval(Math.min(1, Math.max(0, accuracy)), n);
}

type QueriedRow = Omit<
  LeaderboardRow,
  | 'valAccuracyLow'
  | 'valAccuracyHigh'
  | 'testAccuracyLow'
  | 'testAccuracyHigh'
  | 'reward'
  | 'latencyMs'
  | 'latencyDevice'
  | 'screenEstimator'
  | 'screenScore'
  | 'screenRank'
> & {
  reward: number | null;
  latencyMs: number | null;
  latencyDevice: string | null;
  screenScore: number | null;
  screenRank: number | null;
};

function withIntervals({
  valAccuracy,
  valSize,
  testAccuracy,
  testSize,
  latencyMs,
  latencyDevice,
  screenScore: _score,
  screenRank: _rank,
  ...rest
}: Omit<QueriedRow, 'reward'>): Omit<LeaderboardRow, 'reward'> {
  const val = binomialInterval(valAccuracy, valSize);
  const test = binomialInterval(testAccuracy, testSize);
  const { rank, trialId, kind, name, archHash, ...costs } = rest;
  return {
    rank,
    trialId,
    kind,
    name,
    archHash,
    valAccuracy,
    valAccuracyLow: val.low,
    valAccuracyHigh: val.high,
    valSize,
    testAccuracy,
    testAccuracyLow: test.low,
    testAccuracyHigh: test.high,
    testSize,
    ...costs,
    ...(latencyMs !== null && { latencyMs, latencyDevice }),
  };
}

/**
 * Succeeded trials of a search (reused ones with their copied metrics), one row
 * per architecture, ranked in SQL; only results of one protocol (one fidelity level);
 * optionally with baselines of that protocol and a Pareto filter. Each accuracy comes with its
 * 95% binomial (Wilson) interval on the protocol's validation or test images.
 */
export async function leaderboard(db: Database, options: LeaderboardOptions): Promise<LeaderboardRow[]> {
  const scope = await leaderboardScope(db, options.searchId, options.fidelity);
  const { searchId, top, sort, pareto, includeBaselines } = validate(options, scope.reward);
  if (scope.protocolHashes.length === 0) return [];

  const ranked = inArray(trials.protocolHash, scope.protocolHashes);
  // Baselines of other runs: their training at the protocol's own seed (a final evaluation's
  // other repeats belong to its own leaderboard, where they are averaged).
  const atProtocolSeed = sql`${trials.seed} = (${protocols.protocol}->>'seed')::int`;
  const inScope = includeBaselines
    ? and(ranked, or(eq(trials.searchId, searchId), and(isNotNull(trials.baselineName), atProtocolSeed)))
    : and(ranked, eq(trials.searchId, searchId));

  // One row per architecture: this search's own trial first, then one that trained itself.
  const candidates = db
    .select({
      trialId: trials.id,
      kind: sql<
        LeaderboardRow['kind']
      >`case when ${trials.baselineName} is null then 'discovered' else 'baseline' end`.as('kind'),
      name: sql<string>`coalesce(${trials.baselineName}, ${architectures.description})`.as('name'),
      archHash: trials.archHash,
      valAccuracy: trials.valAccuracy,
      testAccuracy: trials.testAccuracy,
      // A weight-sharing score is an accuracy on the images its round scored with, not on the split.
      valSize: sql<number | null>`coalesce((${trials.strategySummary}->>'scoredImages')::int,
        (${protocols.protocol}->>'valSize')::int)`.as('val_size'),
      testSize: sql<number | null>`(${protocols.protocol}->>'testSize')::int`.as('test_size'),
      params: trials.params,
      flops: trials.flops,
      trainSeconds: trials.trainSeconds,
      latencyMs: trials.latencyMs,
      latencyDevice: trials.latencyDevice,
      status: trials.status,
      reward: rewardColumn(searchId, scope.reward).as('reward'),
      screenScore: sql<number | null>`(${trials.strategySummary}->>'screenScore')::float8`.as('screen_score'),
      screenRank: sql<number | null>`(${trials.strategySummary}->>'screenRank')::int`.as('screen_rank'),
      copy: sql<number>`row_number() over (partition by ${trials.archHash} order by
        ${trials.searchId} = ${searchId} desc, ${trials.reusedFrom} is null desc,
        ${trials.valAccuracy} desc nulls last, ${trials.id})`.as('copy'),
    })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .leftJoin(protocols, eq(protocols.hash, trials.protocolHash))
    .where(and(inScope, hasSucceededResult))
    .as('candidates');

  const byAccuracy = sql`${candidates.valAccuracy} desc nulls last`;
  const order: Record<LeaderboardSort, SQL> = {
    val_acc: sql`${byAccuracy}, ${candidates.params}, ${candidates.trialId}`,
    params: sql`${candidates.params}, ${byAccuracy}, ${candidates.trialId}`,
    flops: sql`${candidates.flops}, ${byAccuracy}, ${candidates.trialId}`,
    reward: sql`${candidates.reward} desc nulls last, ${byAccuracy}, ${candidates.params}, ${candidates.trialId}`,
  };
  const showReward = scope.reward.objective !== 'accuracy' || sort === 'reward';
  const query = db
    .select({
      rank: sql<number>`(row_number() over (order by ${order[sort]}))::int`.mapWith(Number),
      trialId: candidates.trialId,
      kind: candidates.kind,
      name: candidates.name,
      archHash: candidates.archHash,
      valAccuracy: candidates.valAccuracy,
      testAccuracy: candidates.testAccuracy,
      valSize: candidates.valSize,
      testSize: candidates.testSize,
      params: candidates.params,
      flops: candidates.flops,
      trainSeconds: candidates.trainSeconds,
      latencyMs: candidates.latencyMs,
      latencyDevice: candidates.latencyDevice,
      status: candidates.status,
      reward: candidates.reward,
      screenScore: candidates.screenScore,
      screenRank: candidates.screenRank,
    })
    .from(candidates)
    .where(eq(candidates.copy, 1))
    .orderBy(order[sort]);

  const screened = (row: QueriedRow) =>
    scope.screenEstimator === undefined
      ? {}
      : {
          screenEstimator: scope.screenEstimator,
          screenScore: row.screenScore === null ? null : Number(row.screenScore),
          screenRank: row.screenRank === null ? null : Number(row.screenRank),
        };
  const shown = (rows: QueriedRow[]): LeaderboardRow[] =>
    rows.map(({ reward, ...row }) => ({
      ...(showReward ? { ...withIntervals(row), reward: reward === null ? null : Number(reward) } : withIntervals(row)),
      ...screened({ reward, ...row }),
    }));
  if (!pareto) return shown(await query.limit(top));
  const all = shown(await query);
  return all
    .filter((row) => !all.some((other) => dominates(other, row, pareto)))
    .slice(0, top)
    .map((row, i) => ({ ...row, rank: i + 1 }));
}
