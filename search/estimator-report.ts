/**
 * How well each cheap estimator ranks the reference set's architectures as their reference
 * training does (issue 28): per estimator its CPU cost per candidate, Spearman's ρ and Kendall's
 * τ-b with the reference test accuracies and their seeded bootstrap 95% intervals, and the overlap
 * of the top 10%; a cross-validated combination of the proxies and sizes; as the last row, the
 * ceiling: the agreement of the reference training with its second seed. Below
 * MIN_RANKED_ARCHITECTURES pairs a correlation is not defined here.
 */
import { PROXY_BATCH_SIZE, ZERO_COST_PROXIES, type ZeroCostProxy } from '../contracts/estimators.ts';
import { bootstrapInterval, kendallTauB, spearman, topKOverlap, type TopKOverlap } from '../numeric/statistics.ts';
import {
  COMBINATION_SCORE,
  crossValidatedPredictions,
  MIN_COMBINED_ARCHITECTURES,
  type CombinationInput,
} from './proxy-combination.ts';
import type { ReferenceFile, ReferenceFileArchitecture } from './reference-file.ts';
import type { ReferenceTraining } from './reference.ts';

export const MIN_RANKED_ARCHITECTURES = 5;
export const BOOTSTRAP_RESAMPLES = 2000;

export type EstimatorKind = 'zero-cost proxy' | 'size' | 'combination' | 'weight sharing' | 'training' | 'ceiling';

export interface EstimatorMeasurement {
  /** Null when it could not be computed (not finite). */
  score: number | null;
  cpuSeconds: number | null;
}

/** The zero-cost proxies measured per architecture hash. */
export type ProxyMeasurements = ReadonlyMap<string, Partial<Record<ZeroCostProxy, EstimatorMeasurement>>>;

export interface RankAgreement {
  estimate: number;
  low: number;
  high: number;
}

export interface EstimatorReportRow {
  estimator: string;
  kind: EstimatorKind;
  /** What the score is. */
  score: string;
  /** Architectures with both a score and a reference test accuracy. */
  n: number;
  /** Mean CPU seconds of one candidate's score, over those measured; null when none was. */
  cpuSecondsPerCandidate: number | null;
  /** CPU seconds paid once for any number of candidates (weight sharing's training); null when none or not known. */
  oneOffCpuSeconds: number | null;
  spearman: RankAgreement | null;
  kendall: RankAgreement | null;
  /** Shared architectures between the top ⌈n/10⌉ by score and by reference test accuracy. */
  top10: TopKOverlap | null;
  /** Why there is no correlation, when there is none. */
  note: string | null;
}

/** Every architecture scored with the weights of one shared network trained on uniformly drawn ones. */
export interface SharingMeasurements {
  /** Training steps of the shared network. */
  steps: number;
  /** Validation images each architecture is scored on. */
  images: number;
  /** CPU seconds of the shared training, paid once for all candidates; null when not known. */
  trainingCpuSeconds: number | null;
  /** Per architecture hash: its validation accuracy with the shared weights, and the CPU seconds of scoring it. */
  scores: ReadonlyMap<string, EstimatorMeasurement>;
}

export interface EstimatorReportInput {
  file: ReferenceFile;
  proxies: ProxyMeasurements;
  /** CPU seconds of computing params and FLOPs of one candidate (the cost model). */
  sizeCpuSeconds: number | null;
  /** Uniform weight sharing, when it was run (`--sharing-steps`). */
  sharing?: SharingMeasurements;
}

interface Scored {
  hash: string;
  score: number | null;
  cpuSeconds: number | null;
}

const PROXY_SCORES: Record<ZeroCostProxy, string> = {
  synflow: 'Σ|w·dR/dw|, |w|, ones input, no batch norm',
  naswot: `log|K_H| of the ReLU codes of ${PROXY_BATCH_SIZE} images`,
  grad_norm: `‖dL/dw‖ on ${PROXY_BATCH_SIZE} images`,
  snip: `Σ|w·dL/dw| on ${PROXY_BATCH_SIZE} images`,
};

export function estimatorReport(input: EstimatorReportInput): EstimatorReportRow[] {
  const { file, proxies, sizeCpuSeconds } = input;
  const architectures = file.architectures;
  const target = new Map(architectures.flatMap((a) => referenceTestAccuracy(a)));
  const agree = (estimator: string, kind: EstimatorKind, score: string, scored: Scored[]) =>
    rowOf({ estimator, kind, score, scored, target, seed: file.seed });
  const training = (kind: ReferenceTraining, accuracy: 'valAccuracy' | 'testAccuracy') =>
    architectures.map((a) => {
      const t = a.trainings.find((x) => x.training === kind);
      return { hash: a.hash, score: t?.[accuracy] ?? null, cpuSeconds: t?.cpuSeconds ?? null };
    });
  const cheapSteps = file.protocols.cheap.steps;
  return [
    ...ZERO_COST_PROXIES.map((proxy) =>
      agree(
        proxy,
        'zero-cost proxy',
        PROXY_SCORES[proxy],
        architectures.map((a) => ({ hash: a.hash, ...(proxies.get(a.hash)?.[proxy] ?? missing) })),
      ),
    ),
    agree(
      'params',
      'size',
      'parameter count',
      architectures.map((a) => ({ hash: a.hash, score: a.params, cpuSeconds: sizeCpuSeconds })),
    ),
    agree(
      'flops',
      'size',
      'multiply-adds',
      architectures.map((a) => ({ hash: a.hash, score: a.flops, cpuSeconds: sizeCpuSeconds })),
    ),
    combinationRow(input, target),
    ...(input.sharing ? [sharingRow(input.sharing, architectures, agree)] : []),
    agree(`cheap-${cheapSteps}-steps`, 'training', 'validation accuracy', training('cheap', 'valAccuracy')),
    agree('reference-seed2', 'ceiling', 'test accuracy, second seed', training('reference-seed2', 'testAccuracy')),
  ];
}

const missing = { score: null, cpuSeconds: null };

/** Its cost per candidate is the scoring's; the training is paid once for any number of candidates. */
function sharingRow(
  sharing: SharingMeasurements,
  architectures: readonly ReferenceFileArchitecture[],
  agree: (estimator: string, kind: EstimatorKind, score: string, scored: Scored[]) => EstimatorReportRow,
): EstimatorReportRow {
  const row = agree(
    `shared-weights-${sharing.steps}-steps`,
    'weight sharing',
    `accuracy on ${sharing.images} validation images, weights shared over ${sharing.steps} uniform training steps`,
    architectures.map((a) => ({ hash: a.hash, ...(sharing.scores.get(a.hash) ?? missing) })),
  );
  return { ...row, oneOffCpuSeconds: sharing.trainingCpuSeconds };
}

/** The cross-validated combination (search/proxy-combination.ts): its cost is every proxy's plus the cost model's. */
function combinationRow(input: EstimatorReportInput, target: ReadonlyMap<string, number>): EstimatorReportRow {
  const { file, proxies, sizeCpuSeconds } = input;
  const measured = file.architectures.flatMap((a) => {
    const scores = proxies.get(a.hash) ?? {};
    const accuracy = target.get(a.hash);
    const features = ZERO_COST_PROXIES.map((p) => scores[p]?.score ?? null);
    if (accuracy === undefined || features.some((f) => f === null)) return [];
    const [synflow, naswot, grad_norm, snip] = features as number[];
    const costs = ZERO_COST_PROXIES.map((p) => scores[p]?.cpuSeconds ?? null);
    const cpuSeconds = costs.some((c) => c === null)
      ? null
      : (costs as number[]).reduce((sum, c) => sum + c, sizeCpuSeconds ?? 0);
    const item: CombinationInput = {
      hash: a.hash,
      features: { synflow, naswot, grad_norm, snip, params: a.params, flops: a.flops },
      accuracy,
    };
    return [{ item, cpuSeconds }];
  });
  const scored = (score: (hash: string) => number | null): Scored[] =>
    measured.map(({ item, cpuSeconds }) => ({ hash: item.hash, score: score(item.hash), cpuSeconds }));
  const row = (scores: Scored[]) =>
    rowOf({
      estimator: 'combined',
      kind: 'combination',
      score: COMBINATION_SCORE,
      scored: scores,
      target,
      seed: file.seed,
    });
  if (measured.length < MIN_COMBINED_ARCHITECTURES) {
    return {
      ...row(scored(() => null)),
      n: measured.length,
      note: `n = ${measured.length} < ${MIN_COMBINED_ARCHITECTURES}: too few to fit a combination`,
    };
  }
  const predictions = crossValidatedPredictions(
    measured.map((m) => m.item),
    `combination/${file.seed}`,
  );
  return row(scored((hash) => predictions.get(hash) ?? null));
}

function referenceTestAccuracy(a: ReferenceFileArchitecture): [string, number][] {
  const accuracy = a.trainings.find((t) => t.training === 'reference')?.testAccuracy ?? null;
  return accuracy === null ? [] : [[a.hash, accuracy]];
}

function rowOf(options: {
  estimator: string;
  kind: EstimatorKind;
  score: string;
  scored: Scored[];
  target: ReadonlyMap<string, number>;
  seed: number;
}): EstimatorReportRow {
  const { estimator, kind, score, scored, target, seed } = options;
  const costs = scored.flatMap((s) => (s.cpuSeconds === null ? [] : [s.cpuSeconds]));
  const pairs = scored.flatMap((s) => {
    const accuracy = target.get(s.hash);
    return s.score === null || accuracy === undefined ? [] : [{ hash: s.hash, score: s.score, accuracy }];
  });
  const n = pairs.length;
  const base = {
    estimator,
    kind,
    score,
    n,
    cpuSecondsPerCandidate: costs.length === 0 ? null : costs.reduce((sum, c) => sum + c, 0) / costs.length,
    oneOffCpuSeconds: null,
  };
  const none = { spearman: null, kendall: null, top10: null };
  if (n < MIN_RANKED_ARCHITECTURES)
    return { ...base, ...none, note: `n = ${n} < ${MIN_RANKED_ARCHITECTURES}: rank correlation not yet defined` };
  const x = pairs.map((p) => p.score);
  const y = pairs.map((p) => p.accuracy);
  const bootstrap = (statistic: (a: readonly number[], b: readonly number[]) => number): RankAgreement | null => {
    // One seed for every estimator: each resamples the same architectures.
    const interval = bootstrapInterval(x, y, statistic, {
      seed: `estimators/${seed}`,
      resamples: BOOTSTRAP_RESAMPLES,
    });
    return Number.isNaN(interval.estimate)
      ? null
      : { estimate: interval.estimate, low: interval.low, high: interval.high };
  };
  const rho = bootstrap(spearman);
  if (rho === null) return { ...base, ...none, note: 'constant scores or accuracies: rank correlation not defined' };
  const best = (value: (p: (typeof pairs)[number]) => number) =>
    [...pairs].sort((a, b) => value(b) - value(a)).map((p) => p.hash);
  return {
    ...base,
    spearman: rho,
    kendall: bootstrap(kendallTauB),
    top10: topKOverlap(
      best((p) => p.score),
      best((p) => p.accuracy),
      Math.ceil(n / 10),
    ),
    note: null,
  };
}
