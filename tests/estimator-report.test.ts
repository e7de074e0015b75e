/**
 * The rows of `nas estimators report` (search/estimator-report.ts) on a generated reference set
 * whose rankings are chosen so that Spearman's ρ and Kendall's τ are computed by hand, and the
 * cases with no correlation: fewer than 5 architectures, constant scores, no measurement.
 */
import { describe, expect, it } from 'vitest';
import type { ZeroCostProxy } from '../contracts/estimators.ts';
import { referenceArchitectures } from '../search/reference.ts';
import { estimatorReport, type EstimatorMeasurement, type EstimatorReportRow } from '../search/estimator-report.ts';
import { generatedReferenceFile } from './support/generated-reference.ts';

const genotypes = referenceArchitectures(7, 6);
// Reference test accuracies; their ranks are 3, 5, 1, 6, 4, 2.
const REFERENCE = [0.8, 0.82, 0.78, 0.85, 0.81, 0.79];
// Ranks 1, 3, 2, 6, 5, 4: Σd² = 14, ρ = 1 − 6·14/(6·35) = 0.6; 11 concordant and 4 discordant pairs, τ = 7/15.
const PARAMS = [100, 300, 200, 600, 500, 400];
// Ranks 4, 2, 6, 1, 3, 5: the reverse of the reference, ρ = τ = −1.
const FLOPS = [4e6, 2e6, 6e6, 1e6, 3e6, 5e6];
// Ranks 3, 4, 1, 6, 5, 2: one pair swapped, Σd² = 2, ρ = 1 − 12/210; τ = 13/15.
const SEED2 = [0.8, 0.81, 0.78, 0.85, 0.82, 0.79];
// Only four cheap trainings: n = 4.
const CHEAP = [0.7, 0.72, 0.69, 0.75];

const file = generatedReferenceFile(
  genotypes.map((genotype, i) => ({
    genotype,
    params: PARAMS[i],
    flops: FLOPS[i],
    accuracies: {
      reference: REFERENCE[i],
      'reference-seed2': SEED2[i],
      ...(i < CHEAP.length ? { cheap: CHEAP[i] } : {}),
    },
  })),
);

function proxies(values: Partial<Record<ZeroCostProxy, (EstimatorMeasurement | undefined)[]>>) {
  return new Map(
    file.architectures.map((a, i) => [
      a.hash,
      Object.fromEntries(Object.entries(values).flatMap(([proxy, list]) => (list?.[i] ? [[proxy, list[i]]] : []))),
    ]),
  );
}

const measured = (scores: (number | null)[]) => scores.map((score, i) => ({ score, cpuSeconds: i + 1 }));

const report = estimatorReport({
  file,
  proxies: proxies({
    // Ranks 1..6 against 3, 5, 1, 6, 4, 2: Σd² = 38, ρ = 1 − 228/210.
    synflow: measured([1e30, 2e30, 3e30, 4e30, 5e30, 6e30]),
    // The reference ranking on the first five, the sixth not finite: n = 5, ρ = τ = 1.
    naswot: measured([3, 5, 1, 6, 4, null]),
    grad_norm: measured([2, 2, 2, 2, 2, 2]),
  }),
  sizeCpuSeconds: 1e-3,
});
const row = (estimator: string): EstimatorReportRow => {
  const found = report.find((r) => r.estimator === estimator);
  if (!found) throw new Error(`no row ${estimator}`);
  return found;
};

describe('estimator report', () => {
  it('lists every proxy, params, FLOPs, their combination, the cheap training and the two-seed ceiling, in that order', () => {
    expect(report.map((r) => [r.estimator, r.kind])).toEqual([
      ['synflow', 'zero-cost proxy'],
      ['naswot', 'zero-cost proxy'],
      ['grad_norm', 'zero-cost proxy'],
      ['snip', 'zero-cost proxy'],
      ['params', 'size'],
      ['flops', 'size'],
      ['combined', 'combination'],
      ['cheap-125-steps', 'training'],
      ['reference-seed2', 'ceiling'],
    ]);
  });

  it('gives Spearman and Kendall as computed by hand', () => {
    expect(row('params')).toMatchObject({ n: 6, note: null });
    expect(row('params').spearman?.estimate).toBeCloseTo(0.6, 12);
    expect(row('params').kendall?.estimate).toBeCloseTo(7 / 15, 12);
    expect(row('flops').spearman?.estimate).toBeCloseTo(-1, 12);
    expect(row('flops').kendall?.estimate).toBeCloseTo(-1, 12);
    expect(row('synflow').spearman?.estimate).toBeCloseTo(1 - 228 / 210, 12);
    expect(row('reference-seed2').spearman?.estimate).toBeCloseTo(1 - 12 / 210, 12);
    expect(row('reference-seed2').kendall?.estimate).toBeCloseTo(13 / 15, 12);
    expect(row('naswot')).toMatchObject({ n: 5, spearman: { estimate: 1, low: 1, high: 1 } });
    expect(row('naswot').kendall).toEqual({ estimate: 1, low: 1, high: 1 });
  });

  it('gives seeded bootstrap intervals around the estimate, the same on every run', () => {
    const again = estimatorReport({
      file,
      proxies: proxies({ synflow: measured([1, 2, 3, 4, 5, 6]) }),
      sizeCpuSeconds: null,
    });
    const params = row('params');
    expect(again.find((r) => r.estimator === 'params')?.spearman).toEqual(params.spearman);
    expect(params.spearman!.low).toBeLessThan(params.spearman!.estimate);
    expect(params.spearman!.high).toBeGreaterThan(params.spearman!.estimate);
    expect(params.spearman!.high).toBeLessThanOrEqual(1);
    expect(params.kendall!.low).toBeLessThan(params.kendall!.high);
  });

  it('overlaps the top ⌈n/10⌉: the best architecture by params is the best by accuracy, by FLOPs the worst', () => {
    expect(row('params').top10).toEqual({ k: 1, shared: 1, fraction: 1 });
    expect(row('flops').top10).toEqual({ k: 1, shared: 0, fraction: 0 });
  });

  it('says the correlation is not yet defined below 5 architectures, or not defined for constant scores', () => {
    expect(row('cheap-125-steps')).toMatchObject({
      n: 4,
      spearman: null,
      kendall: null,
      top10: null,
      note: 'n = 4 < 5: rank correlation not yet defined',
    });
    expect(row('snip')).toMatchObject({ n: 0, cpuSecondsPerCandidate: null, spearman: null });
    expect(row('grad_norm')).toMatchObject({
      n: 6,
      spearman: null,
      note: 'constant scores or accuracies: rank correlation not defined',
    });
  });

  it('costs a candidate the mean CPU time of those measured', () => {
    expect(row('naswot').cpuSecondsPerCandidate).toBeCloseTo(3.5, 12);
    expect(row('params').cpuSecondsPerCandidate).toBe(1e-3);
    expect(row('cheap-125-steps').cpuSecondsPerCandidate).toBe(300);
    expect(row('reference-seed2').cpuSecondsPerCandidate).toBe(2000);
  });
});
