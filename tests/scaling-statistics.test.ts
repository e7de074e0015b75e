import { describe, expect, it } from 'vitest';
import { accuracySummary, compareWithAxis, gridWinFrequency, pText } from '../dashboard/scaling-statistics.ts';
import { welchDifference } from '../numeric/statistics.ts';

// Three repeats each; equal spread, so Welch's df is exactly 2(n - 1) = 4.
const compound = [0.8, 0.82, 0.84];
const width = [0.7, 0.72, 0.74];

describe('scaling statistics against hand-computed values', () => {
  it('mean with its 95% Student-t interval: 0.82 +- t(0.975, 2) * 0.02 / sqrt(3)', () => {
    const s = accuracySummary(compound)!;
    expect(s.mean).toBeCloseTo(0.82, 12);
    expect(s.sd).toBeCloseTo(0.02, 12);
    // t(0.975, 2) = 4.302653 (tables); 4.302653 * 0.02 / sqrt(3) = 0.0496828
    expect(s.halfWidth).toBeCloseTo(0.0496828, 6);
    expect(s.low).toBeCloseTo(0.82 - 0.0496828, 6);
  });

  it('one training: the mean, no interval; none: nothing', () => {
    expect(accuracySummary([0.9])).toMatchObject({ n: 1, mean: 0.9, low: null, high: null });
    expect(accuracySummary([])).toBeNull();
  });

  it('compound minus width: Welch interval 0.10 +- t(0.975, 4) * se and its p-value', () => {
    // se = sqrt(2 * 0.0004 / 3) = 0.0163299, t = 6.1237, df = 4;
    // t(0.975, 4) = 2.776445 -> half width 0.0453392; two-sided p from the closed-form df=4 CDF = 0.0036022
    const d = welchDifference(compound, width);
    expect(d.difference).toBeCloseTo(0.1, 12);
    expect(d.df).toBeCloseTo(4, 9);
    expect(d.statistic).toBeCloseTo(6.1237244, 6);
    expect(d.high - d.difference).toBeCloseTo(0.0453392, 6);
    expect(d.p).toBeCloseTo(0.0036022, 6);
  });

  it('a constant difference has a zero-width interval', () => {
    const d = welchDifference([0.8, 0.8], [0.7, 0.7]);
    expect([d.low, d.high, d.p]).toEqual([d.difference, d.difference, 0]);
  });
});

describe('verdict wording', () => {
  it('says ahead only where the test supports it', () => {
    expect(compareWithAxis(2, 'width', compound, width).verdict).toBe('compound ahead of width at phi 2 (p = 0.004)');
    expect(compareWithAxis(1, 'depth', width, compound).verdict).toBe('compound behind depth at phi 1 (p = 0.004)');
    const close = compareWithAxis(2, 'resolution', [0.8, 0.82, 0.84], [0.79, 0.81, 0.85]);
    expect(close.p).toBeGreaterThan(0.05);
    expect(close.verdict).toBe(`compound and resolution not separable at phi 2 (${pText(close.p!)})`);
  });

  it('with one training a side there is no test, only the difference', () => {
    const single = compareWithAxis(3, 'depth', [0.9], [0.8, 0.81]);
    expect(single.difference).toBeCloseTo(0.095, 12);
    expect(single.p).toBeNull();
    expect(single.verdict).toBe(
      'compound vs depth at phi 3: no test (needs 2 trainings of each, has 1 and 2; train more with --repeats)',
    );
    expect(compareWithAxis(1, 'width', [], [0.8]).verdict).toBe('compound vs width at phi 1: not trained yet');
  });

  it('p-values read as p = 0.43, p = 0.004, p < 0.001', () => {
    expect([pText(0.4321), pText(0.00412), pText(0.0004)]).toEqual(['p = 0.43', 'p = 0.004', 'p < 0.001']);
  });
});

describe('bootstrap win frequency of the step-1 choice', () => {
  const grid = [
    [0.8, 0.81, 0.79],
    [0.805, 0.83, 0.78],
    [0.6, 0.61, 0.62],
  ];

  it('is the same for the same seed and between 0 and 1 for overlapping points', () => {
    const a = gridWinFrequency(grid, 1, { seed: 7, resamples: 500 });
    expect(gridWinFrequency(grid, 1, { seed: 7, resamples: 500 })).toEqual(a);
    expect(a.frequency).toBeGreaterThan(0.2);
    expect(a.frequency).toBeLessThan(0.9);
    const other = gridWinFrequency(grid, 0, { seed: 7, resamples: 500 });
    // Point 2 never wins, so points 0 and 1 share every resample.
    expect(other.wins + a.wins).toBe(500);
  });

  it('a clear winner always wins; ties go to the lowest index; untrained points take no part', () => {
    expect(gridWinFrequency(grid, 2, { seed: 1, resamples: 200 }).wins).toBe(0);
    expect(gridWinFrequency([[0.7, 0.7], [0.7, 0.7], []], 0, { seed: 1, resamples: 50 }).frequency).toBe(1);
    expect(gridWinFrequency([[], [0.5]], 1, { seed: 1, resamples: 50 }).frequency).toBe(1);
  });
});
