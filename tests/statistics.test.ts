/**
 * numeric/statistics against reference values. Those marked "scipy" were computed with
 * python3 + scipy 1.10.1 (Debian's python3-scipy) by the expression in the comment; the others
 * are closed forms or worked by hand in the comment.
 */
import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  bootstrapInterval,
  kendallTauB,
  mean,
  meanInterval,
  normalCdf,
  normalQuantile,
  regularizedIncompleteBeta,
  sampleStd,
  spearman,
  studentTCdf,
  studentTQuantile,
  tiesWithLeader,
  topKOverlap,
  twoProportionZTest,
  welchTTest,
  wilsonInterval,
} from '../numeric/statistics.ts';

/** |actual − expected| <= rel·|expected|. */
function closeTo(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('special functions', () => {
  it('Student t quantiles match the closed forms at df 1 and 2 and scipy elsewhere, fractional df included', () => {
    // Closed forms: df=1 is Cauchy, t = tan(π(p − ½)); df=2: t = (2p − 1)·√(2 / (4p(1 − p))).
    closeTo(studentTQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-12);
    const df2 = (p: number) => (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p)));
    closeTo(studentTQuantile(0.975, 2), df2(0.975), 1e-12);
    closeTo(studentTQuantile(0.995, 2), df2(0.995), 1e-12);
    // The values quoted in issue 14, to their 6 decimals.
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302653, 6);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 6);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 6);
    // scipy: st.t.ppf(p, df). scipy 1.10 is itself off by ~2e-11 relative (see df 1, 2 above), hence 1e-9.
    const scipy: Array<[number, number, number]> = [
      [0.975, 3, 3.182446305284263],
      [0.975, 100, 1.9839715184496334],
      [0.975, 1000, 1.9623390808264074],
      [0.995, 9, 3.2498355440153697],
      [0.995, 30, 2.7499956535670305],
      [0.975, 2.5, 3.5746548420118773],
      [0.995, 0.5, 4113.964590639511],
    ];
    for (const [p, df, t] of scipy) closeTo(studentTQuantile(p, df), t, 1e-9);
    expect(studentTQuantile(0.025, 9)).toBe(-studentTQuantile(0.975, 9));
    expect(studentTQuantile(0.5, 4)).toBe(0);
    closeTo(studentTQuantile(0.975, Infinity), 1.959963984540054, 1e-14);
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.9, 0)).toThrow(RangeError);
  });

  it('incomplete beta, t CDF and the normal distribution match scipy', () => {
    closeTo(regularizedIncompleteBeta(0.3, 2.5, 0.5), 0.01892712407194565, 1e-12); // scipy.special.betainc(2.5, 0.5, 0.3)
    closeTo(studentTCdf(-2.1, 3.7), 0.05463235254111237, 1e-12); // st.t.cdf(-2.1, 3.7)
    closeTo(studentTCdf(studentTQuantile(0.975, 7), 7), 0.975, 1e-13);
    closeTo(normalCdf(-3), 0.0013498980316300933, 1e-13); // st.norm.cdf(-3)
    closeTo(normalCdf(1.5), 0.9331927987311419, 1e-14); // st.norm.cdf(1.5)
    closeTo(normalQuantile(0.975), 1.959963984540054, 1e-14); // st.norm.ppf(0.975)
    closeTo(normalQuantile(1e-10), -6.361340902404056, 1e-12); // st.norm.ppf(1e-10)
  });
});

describe('means over repeats', () => {
  it('mean, sample standard deviation and the 95% t interval', () => {
    const three = [0.91, 0.92, 0.935];
    expect(mean(three)).toBeCloseTo(0.9216666666666667, 15);
    // By hand: deviations −0.011667, −0.001667, 0.013333; Σd² = 3.1667e-4; /2 → s = 0.0125831.
    closeTo(sampleStd(three), 0.012583057392117928, 1e-13);
    // scipy: st.t.interval(0.95, 2, loc=mean, scale=st.sem(x)) = (0.8904086192686123, 0.9529247140647212),
    // whose t(0.975, 2) is 4e-11 off the closed form; ours uses the closed-form-exact quantile, hence 1e-10.
    const i3 = meanInterval(three);
    expect(i3).toMatchObject({ n: 3, mean: mean(three), sd: sampleStd(three) });
    closeTo(i3.low!, 0.8904086192686123, 1e-10);
    closeTo(i3.high!, 0.9529247140647212, 1e-10);
    closeTo(i3.halfWidth!, (4.302652729749461 * sampleStd(three)) / Math.sqrt(3), 1e-13);

    const ten = [0.901, 0.905, 0.899, 0.91, 0.903, 0.897, 0.906, 0.902, 0.9, 0.908];
    const i10 = meanInterval(ten);
    closeTo(i10.low!, 0.9001514719605935, 1e-12); // same scipy call with df 9
    closeTo(i10.high!, 0.9060485280394065, 1e-12);

    expect(meanInterval([0.9])).toEqual({ n: 1, mean: 0.9, sd: null, low: null, high: null, halfWidth: null });
    expect(() => mean([])).toThrow('mean: needs at least 1 value, got 0');
    expect(() => sampleStd([1])).toThrow(RangeError);
    expect(() => mean([1, NaN])).toThrow(/finite/);
  });
});

describe('accuracy on n images', () => {
  it('Wilson score interval (95%)', () => {
    // By hand, z = 1.959964: z²/n = 0.0384146; centre = (0.9 + 0.0192073) / 1.0384146 = 0.885224;
    // half = z / 1.0384146 · √(0.0009 + 0.0000960) = 0.059568 → [0.8256, 0.9448].
    const ninety = wilsonInterval(0.9, 100);
    expect(ninety.low).toBeCloseTo(0.8256, 4);
    expect(ninety.high).toBeCloseTo(0.9448, 4);
    // The same formula in numpy with z = st.norm.ppf(0.975).
    closeTo(ninety.low, 0.8256343384950865, 1e-13);
    closeTo(ninety.high, 0.9447708629393249, 1e-13);
    const mid = wilsonInterval(378 / 500, 500);
    closeTo(mid.low, 0.7164951931439073, 1e-13);
    closeTo(mid.high, 0.791601144539778, 1e-13);
    // Not symmetric about the accuracy, and never outside [0, 1] at the edges (where Wald gives a zero-width interval).
    expect(0.9 - ninety.low).toBeGreaterThan(ninety.high - 0.9);
    const perfect = wilsonInterval(1, 1000);
    closeTo(perfect.low, 0.996173241514445, 1e-12);
    expect(perfect.high).toBe(1);
    const none = wilsonInterval(0, 20);
    expect(none.low).toBe(0);
    closeTo(none.high, 0.16112515805281938, 1e-12);
    // A wider level gives a wider interval.
    expect(wilsonInterval(0.9, 100, 0.99).low).toBeLessThan(ninety.low);
    expect(() => wilsonInterval(0.9, 0)).toThrow('wilson interval: n must be a positive integer, got 0');
    expect(() => wilsonInterval(1.2, 10)).toThrow(RangeError);
  });
});

describe('tests of a difference', () => {
  it("Welch's t-test matches scipy.stats.ttest_ind(equal_var=False)", () => {
    const a = [0.912, 0.918, 0.905, 0.921, 0.915];
    const b = [0.9, 0.915, 0.887];
    const r = welchTTest(a, b);
    closeTo(r.statistic, 1.584125648223761, 1e-13);
    closeTo(r.p, 0.23014451270106034, 1e-11);
    // Welch–Satterthwaite by numpy: (va + vb)² / (va²/4 + vb²/2) with va, vb the variances of the means.
    closeTo(r.df, 2.470996781156386, 1e-13);
    const near = welchTTest([0.93, 0.94], [0.9, 0.915, 0.925, 0.91]);
    closeTo(near.statistic, 3.1176914536239884, 1e-13);
    closeTo(near.p, 0.049868802573048224, 1e-10);
    expect(welchTTest(b, a).statistic).toBeCloseTo(-r.statistic, 14);
    expect(welchTTest([0.9, 0.9], [0.9, 0.9])).toMatchObject({ statistic: 0, p: 1 });
    expect(welchTTest([0.9, 0.9], [0.8, 0.8])).toMatchObject({ statistic: Infinity, p: 0 });
    expect(() => welchTTest([0.9], [0.8, 0.85])).toThrow('welch t-test (first sample): needs at least 2 values, got 1');
  });

  it('two-proportion z-test on test-set counts (pooled)', () => {
    // numpy: p = (920 + 900) / 2000; z = (0.92 − 0.90) / √(p(1 − p)(2/1000)); 2·st.norm.sf(|z|).
    const r = twoProportionZTest(0.92, 1000, 0.9, 1000);
    closeTo(r.statistic, 1.5626907697949863, 1e-13);
    closeTo(r.p, 0.11812534648829018, 1e-12);
    const far = twoProportionZTest(0.92, 1000, 0.88, 1000);
    closeTo(far.statistic, 2.9814239699997227, 1e-13);
    closeTo(far.p, 0.002869112792076584, 1e-11);
    expect(twoProportionZTest(1, 50, 1, 80)).toEqual({ statistic: 0, p: 1 });
  });

  it('marks ties with the leader: Welch across seeds, the z-test with one run each', () => {
    const marks = tiesWithLeader([
      { accuracies: [0.9, 0.915, 0.925, 0.91], samples: 1000 },
      { accuracies: [0.93, 0.94], samples: 1000 }, // leader (mean 0.935)
      { accuracies: [0.925, 0.935, 0.92], samples: 1000 }, // p = 0.3183 (scipy) → tied
    ]);
    expect(marks.map((m) => [m.leader, m.tied, m.test])).toEqual([
      [false, false, 'welch'], // p = 0.0499 < 0.05 → not tied
      [true, true, 'leader'],
      [false, true, 'welch'],
    ]);
    closeTo(marks[0].p!, 0.049868802573048224, 1e-10);
    closeTo(marks[2].p!, 0.3183109432202543, 1e-10);
    expect(marks[1].p).toBeNull();

    const single = tiesWithLeader([
      { accuracies: [0.88], samples: 1000 },
      { accuracies: [0.9], samples: 1000 },
      { accuracies: [0.92], samples: 1000 },
    ]);
    expect(single.map((m) => [m.tied, m.test])).toEqual([
      [false, 'two-proportion'], // p = 0.0029
      [true, 'two-proportion'], // p = 0.118
      [true, 'leader'],
    ]);
    closeTo(single[1].p!, 0.11812534648829018, 1e-12);
    // A stricter alpha ties more.
    expect(
      tiesWithLeader(
        [
          { accuracies: [0.88], samples: 1000 },
          { accuracies: [0.92], samples: 1000 },
        ],
        0.001,
      )[0].tied,
    ).toBe(true);
    expect(tiesWithLeader([])).toEqual([]);
  });
});

describe('rank agreement', () => {
  it('average ranks like scipy.stats.rankdata', () => {
    expect(averageRanks([10, 20, 20, 5, 20])).toEqual([2, 4, 4, 1, 4]);
  });

  it('Spearman and Kendall tau-b with ties match scipy.stats.spearmanr / kendalltau', () => {
    const x = [1, 2, 2, 3, 4, 4, 4, 5];
    const y = [2, 1, 3, 3, 5, 4, 4, 6];
    closeTo(spearman(x, y), 0.9256265453136692, 1e-13);
    closeTo(kendallTauB(x, y), 0.8406728074767076, 1e-13);
    // Search-fidelity accuracies against final accuracies, ties on both sides.
    const search = [0.91, 0.91, 0.88, 0.93, 0.88, 0.95, 0.9];
    const final = [0.62, 0.6, 0.6, 0.7, 0.55, 0.7, 0.58];
    closeTo(spearman(search, final), 0.8703703703703706, 1e-13);
    closeTo(kendallTauB(search, final), 0.7894736842105262, 1e-13);
    closeTo(spearman([3, 1, 2, 5, 4], [5, 4, 3, 2, 1]), -0.6, 1e-13);
    closeTo(kendallTauB([3, 1, 2, 5, 4], [5, 4, 3, 2, 1]), -0.4, 1e-13);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(kendallTauB([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(kendallTauB([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow('spearman: samples must have the same length, got 2 and 3');
  });

  it('seeded percentile bootstrap: same seed, same interval; it contains the estimate', () => {
    const search = [0.91, 0.91, 0.88, 0.93, 0.88, 0.95, 0.9, 0.86, 0.92, 0.89];
    const final = [0.62, 0.6, 0.6, 0.7, 0.55, 0.7, 0.58, 0.57, 0.61, 0.63];
    for (const statistic of [spearman, kendallTauB]) {
      const once = bootstrapInterval(search, final, statistic, { seed: 42, resamples: 1000 });
      expect(bootstrapInterval(search, final, statistic, { seed: 42, resamples: 1000 })).toEqual(once);
      expect(once.estimate).toBe(statistic(search, final));
      expect(once.low).toBeLessThan(once.estimate);
      expect(once.high).toBeGreaterThan(once.estimate);
      expect(once.high).toBeLessThanOrEqual(1);
      expect(once.low).toBeGreaterThan(-1);
      expect(once.resamples).toBeGreaterThan(990); // a resample with a constant side (NaN) is dropped
      expect(bootstrapInterval(search, final, statistic, { seed: 43, resamples: 1000 })).not.toEqual(once);
    }
    // A wider level widens the interval; one resample of a perfect ranking is that ranking's value.
    const narrow = bootstrapInterval(search, final, spearman, { seed: 1, level: 0.5 });
    const wide = bootstrapInterval(search, final, spearman, { seed: 1, level: 0.99 });
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
    expect(bootstrapInterval([1, 2, 3, 4], [2, 4, 6, 8], spearman, { seed: 's', resamples: 200 })).toMatchObject({
      estimate: 1,
      low: 1,
      high: 1,
    });
    expect(() => bootstrapInterval(search, final, spearman, { seed: 1, resamples: 0 })).toThrow(RangeError);
  });

  it('top-k overlap of two rankings', () => {
    const a = ['a', 'b', 'c', 'd', 'e'];
    const b = ['c', 'a', 'e', 'b', 'd'];
    expect(topKOverlap(a, b, 1)).toEqual({ k: 1, shared: 0, fraction: 0 });
    expect(topKOverlap(a, b, 2)).toEqual({ k: 2, shared: 1, fraction: 0.5 }); // {a, b} ∩ {c, a}
    expect(topKOverlap(a, b, 3)).toEqual({ k: 3, shared: 2, fraction: 2 / 3 }); // {a, b, c} ∩ {c, a, e}
    expect(topKOverlap(a, b, 5)).toEqual({ k: 5, shared: 5, fraction: 1 });
    expect(topKOverlap(a, ['a', 'b'], 4)).toEqual({ k: 2, shared: 2, fraction: 1 });
    expect(() => topKOverlap(a, b, 0)).toThrow(RangeError);
    expect(() => topKOverlap(['a', 'a'], b, 1)).toThrow('top-k overlap: the first ranking repeats an id');
  });
});
