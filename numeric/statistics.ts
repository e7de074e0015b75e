/**
 * Statistics for rankings a researcher can trust: intervals of means and of accuracies, tests
 * of ties with the leader, rank correlations and their bootstrap intervals, top-k overlap.
 *
 * Pure: no Node built-ins, no wall clock, randomness only through the seeded generator of
 * ./rng, so that workflow code can import it inside Temporal's sandbox.
 */
import { makeRng } from './rng.ts';

// ---------------------------------------------------------------------------------------------
// Special functions

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), about 15 significant digits. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma: x must be > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Continued fraction of the incomplete beta function, modified Lentz (Numerical Recipes' betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta: no convergence for a=${a}, b=${b}, x=${x}`);
}

/** Regularized incomplete beta I_x(a, b): continued fraction on the side where it converges fast. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta: a and b must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Regularized upper incomplete gamma Q(a, x): series below a + 1, continued fraction above (Numerical Recipes). */
function regularizedUpperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const logFront = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n <= MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) return 1 - sum * Math.exp(logFront);
    }
    throw new Error(`incomplete gamma: no convergence for a=${a}, x=${x}`);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return Math.exp(logFront) * h;
  }
  throw new Error(`incomplete gamma: no convergence for a=${a}, x=${x}`);
}

/** erfc(x) = Q(1/2, x²) for x >= 0, reflected below 0: full double precision, no polynomial fit. */
export function erfc(x: number): number {
  return x >= 0 ? regularizedUpperGamma(0.5, x * x) : 2 - regularizedUpperGamma(0.5, x * x);
}

/** Standard normal CDF Φ(x), through erfc so that the tails keep their relative precision. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal quantile: Acklam's rational approximation (1e-9) polished by one Halley step on Φ. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile: p must be in (0, 1), got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function checkDf(df: number, what: string): void {
  if (!(df > 0)) throw new RangeError(`${what}: degrees of freedom must be > 0, got ${df}`);
}

/** P(T > t) for t >= 0 under Student's t with df degrees of freedom: ½ I_{df/(df+t²)}(df/2, ½). */
function studentTUpperTail(t: number, df: number): number {
  if (df === Infinity) return normalCdf(-t);
  return 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Student's t CDF for any real df > 0 (Welch's df is fractional), from the regularized incomplete beta. */
export function studentTCdf(t: number, df: number): number {
  checkDf(df, 'student t cdf');
  if (Number.isNaN(t)) return NaN;
  return t >= 0 ? 1 - studentTUpperTail(t, df) : studentTUpperTail(-t, df);
}

function studentTDensity(t: number, df: number): number {
  return Math.exp(
    lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/**
 * Student's t quantile for any df > 0: the upper tail ½ I_x(df/2, ½) inverted by Newton steps
 * kept inside a bisection bracket, so it is exact to ~1e-12 at every df, not a table.
 */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df, 'student t quantile');
  if (!(p > 0 && p < 1)) throw new RangeError(`student t quantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (df === Infinity) return normalQuantile(p);
  const tail = 1 - p;
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (studentTUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  let t = Math.min(Math.max(normalQuantile(p), lo), hi);
  for (let i = 0; i < 200; i++) {
    const excess = studentTUpperTail(t, df) - tail; // decreasing in t
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / studentTDensity(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Means over repeats

function checkSample(xs: readonly number[], what: string, min: number): void {
  if (xs.length < min)
    throw new RangeError(`${what}: needs at least ${min} value${min === 1 ? '' : 's'}, got ${xs.length}`);
  if (xs.some((x) => !Number.isFinite(x))) throw new RangeError(`${what}: every value must be a finite number`);
}

/** Arithmetic mean. */
export function mean(xs: readonly number[]): number {
  checkSample(xs, 'mean', 1);
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** The middle value, or the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  checkSample(xs, 'median', 1);
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sample standard deviation (n − 1 denominator, unbiased variance), two-pass for accuracy. */
export function sampleStd(xs: readonly number[]): number {
  checkSample(xs, 'sample standard deviation', 2);
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation; null with a single value. */
  sd: number | null;
  /** Confidence interval ends; null with a single value (no spread to measure). */
  low: number | null;
  high: number | null;
  halfWidth: number | null;
}

/** Confidence interval of a mean over repeats: mean ± t(1 − α/2, n − 1)·s/√n (Student, seeds assumed independent). */
export function meanInterval(xs: readonly number[], level = 0.95): MeanInterval {
  checkLevel(level);
  const m = mean(xs);
  if (xs.length < 2) return { n: xs.length, mean: m, sd: null, low: null, high: null, halfWidth: null };
  const sd = sampleStd(xs);
  const halfWidth = (studentTQuantile(1 - (1 - level) / 2, xs.length - 1) * sd) / Math.sqrt(xs.length);
  return { n: xs.length, mean: m, sd, low: m - halfWidth, high: m + halfWidth, halfWidth };
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

// ---------------------------------------------------------------------------------------------
// Accuracy measured on n images

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval of a proportion measured on n trials: unlike the Wald p ± z√(p(1−p)/n)
 * it stays inside [0, 1] and keeps its coverage near 0% and 100%. The accuracy is used as
 * measured (not rounded to a count), so an accuracy averaged elsewhere is accepted as well.
 */
export function wilsonInterval(accuracy: number, n: number, level = 0.95): Interval {
  if (!(accuracy >= 0 && accuracy <= 1))
    throw new RangeError(`wilson interval: accuracy must be in [0, 1], got ${accuracy}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`wilson interval: n must be a positive integer, got ${n}`);
  checkLevel(level);
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2n = (z * z) / n;
  const center = (accuracy + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((accuracy * (1 - accuracy)) / n + z2n / (4 * n));
  // At 0 and 1 the exact ends are 0 and 1; rounding would leave 1e-17 off.
  return {
    low: accuracy === 0 ? 0 : Math.max(0, center - half),
    high: accuracy === 1 ? 1 : Math.min(1, center + half),
  };
}

// ---------------------------------------------------------------------------------------------
// Tests of a difference

export interface TestResult {
  statistic: number;
  /** Two-sided p-value. */
  p: number;
}

export interface WelchResult extends TestResult {
  df: number;
}

/**
 * Welch's unequal-variance t-test, two-sided, Welch–Satterthwaite df (seeds of two architectures
 * need not share a variance). Both samples constant: p = 1 if the means are equal, else 0.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  checkSample(a, 'welch t-test (first sample)', 2);
  checkSample(b, 'welch t-test (second sample)', 2);
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  const diff = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) {
    return {
      statistic: diff === 0 ? 0 : Math.sign(diff) * Infinity,
      df: a.length + b.length - 2,
      p: diff === 0 ? 1 : 0,
    };
  }
  const statistic = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  return { statistic, df, p: Math.min(1, 2 * studentTUpperTail(Math.abs(statistic), df)) };
}

export interface DifferenceInterval extends WelchResult {
  /** mean(a) − mean(b). */
  difference: number;
  low: number;
  high: number;
}

/**
 * The difference of two means with its Welch confidence interval (difference ± t(1 − α/2, df)·se,
 * Welch–Satterthwaite df) and the two-sided p-value of welchTTest.
 */
export function welchDifference(a: readonly number[], b: readonly number[], level = 0.95): DifferenceInterval {
  checkLevel(level);
  const test = welchTTest(a, b);
  const difference = mean(a) - mean(b);
  const se = Math.sqrt(sampleStd(a) ** 2 / a.length + sampleStd(b) ** 2 / b.length);
  const halfWidth = se === 0 ? 0 : studentTQuantile(1 - (1 - level) / 2, test.df) * se;
  return { ...test, difference, low: difference - halfWidth, high: difference + halfWidth };
}

/**
 * Two-proportion z-test with the pooled proportion under H0 (one run each, accuracies measured on
 * n1 and n2 images), as statsmodels' proportions_ztest computes it. Same accuracy with zero
 * pooled variance: p = 1.
 */
export function twoProportionZTest(accuracy1: number, n1: number, accuracy2: number, n2: number): TestResult {
  for (const [acc, n] of [
    [accuracy1, n1],
    [accuracy2, n2],
  ]) {
    if (!(acc >= 0 && acc <= 1)) throw new RangeError(`two-proportion z-test: accuracy must be in [0, 1], got ${acc}`);
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`two-proportion z-test: n must be a positive integer, got ${n}`);
  }
  const pooled = (accuracy1 * n1 + accuracy2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const diff = accuracy1 - accuracy2;
  if (se === 0) return { statistic: diff === 0 ? 0 : Math.sign(diff) * Infinity, p: diff === 0 ? 1 : 0 };
  const statistic = diff / se;
  return { statistic, p: Math.min(1, erfc(Math.abs(statistic) / Math.SQRT2)) };
}

export interface RankedResult {
  /** One accuracy per repeat (seed). */
  accuracies: readonly number[];
  /** Images each accuracy was measured on (the protocol's test or validation size). */
  samples: number;
}

export interface TieMark {
  /** Not significantly different from the leader at level α (the leader is tied with itself). */
  tied: boolean;
  leader: boolean;
  /** Two-sided p-value against the leader; null for the leader. */
  p: number | null;
  test: 'leader' | 'welch' | 'two-proportion';
}

/**
 * Marks results tied with the leader (highest mean): Welch's t-test across seeds when both have at
 * least two repeats, else the two-proportion z-test on the (mean) accuracies measured on their
 * images — with one run the only noise we can measure is that of the finite test set. Tied: p ≥ α.
 */
export function tiesWithLeader(results: readonly RankedResult[], alpha = 0.05): TieMark[] {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`ties: alpha must be in (0, 1), got ${alpha}`);
  if (results.length === 0) return [];
  const means = results.map((r, i) => {
    checkSample(r.accuracies, `ties: result ${i}`, 1);
    return mean(r.accuracies);
  });
  const leader = means.reduce((best, m, i) => (m > means[best] ? i : best), 0);
  const top = results[leader];
  return results.map((r, i) => {
    if (i === leader) return { tied: true, leader: true, p: null, test: 'leader' };
    const welch = r.accuracies.length >= 2 && top.accuracies.length >= 2;
    const p = welch
      ? welchTTest(top.accuracies, r.accuracies).p
      : twoProportionZTest(means[leader], top.samples, means[i], r.samples).p;
    return { tied: p >= alpha, leader: false, p, test: welch ? 'welch' : 'two-proportion' };
  });
}

// ---------------------------------------------------------------------------------------------
// Rank agreement

function checkPaired(x: readonly number[], y: readonly number[], what: string): void {
  if (x.length !== y.length)
    throw new RangeError(`${what}: samples must have the same length, got ${x.length} and ${y.length}`);
  checkSample(x, what, 2);
  checkSample(y, what, 2);
}

/** Ranks 1..n, tied values sharing the average of their ranks (scipy's rankdata 'average'). */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j]);
  const ranks = new Array<number>(xs.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && xs[order[end + 1]] === xs[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson correlation of average ranks (the tie-correct form, not 1 − 6Σd²/…); NaN if one side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's τ-b: (concordant − discordant) / √((n0 − ties in x)(n0 − ties in y)), which corrects
 * for ties on either side (scipy's default); O(n²), rankings here are short. NaN if one side is constant.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y, 'kendall');
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  const pairs = (x.length * (x.length - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

export interface BootstrapOptions {
  seed: number | string;
  /** Default 2000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
}

export interface BootstrapInterval extends Interval {
  /** The statistic on the original samples. */
  estimate: number;
  /** Resamples whose statistic was defined (a resample of constant values gives NaN and is dropped). */
  resamples: number;
}

/** Quantile with linear interpolation between order statistics (numpy's default 'linear' method). */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const below = Math.floor(pos);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (pos - below) * (sorted[above] - sorted[below]);
}

/**
 * Percentile bootstrap interval of a statistic of paired samples (e.g. Spearman between search and
 * final accuracies): resample pairs with replacement from the seeded generator, take the α/2 and
 * 1 − α/2 quantiles of the statistic; the same seed gives the same interval.
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: readonly number[], y: readonly number[]) => number,
  options: BootstrapOptions,
): BootstrapInterval {
  checkPaired(x, y, 'bootstrap');
  const { seed, resamples = 2000, level = 0.95 } = options;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  checkLevel(level);
  const rng = makeRng(seed);
  const n = x.length;
  const values: number[] = [];
  const rx = new Array<number>(n);
  const ry = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = rng.int(n);
      rx[i] = x[k];
      ry[i] = y[k];
    }
    const value = statistic(rx, ry);
    if (!Number.isNaN(value)) values.push(value);
  }
  const estimate = statistic(x, y);
  if (values.length === 0) return { estimate, low: NaN, high: NaN, resamples: 0 };
  values.sort((a, b) => a - b);
  const alpha = 1 - level;
  return {
    estimate,
    low: quantileSorted(values, alpha / 2),
    high: quantileSorted(values, 1 - alpha / 2),
    resamples: values.length,
  };
}

export interface TopKOverlap {
  /** k used: the requested k, clipped to the shorter ranking. */
  k: number;
  /** Ids in both top-k lists. */
  shared: number;
  /** shared / k. */
  fraction: number;
}

/** Overlap of the first k ids of two rankings (best first): |top-k(a) ∩ top-k(b)| / k, k clipped to the shorter ranking. */
export function topKOverlap(a: readonly string[], b: readonly string[], k: number): TopKOverlap {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`top-k overlap: k must be a positive integer, got ${k}`);
  for (const [name, ranking] of [
    ['first', a],
    ['second', b],
  ] as const) {
    if (new Set(ranking).size !== ranking.length)
      throw new RangeError(`top-k overlap: the ${name} ranking repeats an id`);
  }
  const used = Math.min(k, a.length, b.length);
  if (used === 0) return { k: 0, shared: 0, fraction: NaN };
  const top = new Set(a.slice(0, used));
  const shared = b.slice(0, used).filter((id) => top.has(id)).length;
  return { k: used, shared, fraction: shared / used };
}
