/**
 * The cross-validated combination of proxies and sizes (search/proxy-combination.ts): the ridge
 * fit against a hand-computed case, folds that never let an architecture's accuracy into its own
 * score, and its row in `nas estimators report`.
 */
import { describe, expect, it } from 'vitest';
import { ZERO_COST_PROXIES } from '../contracts/estimators.ts';
import { makeRng } from '../numeric/rng.ts';
import { fitRidge } from '../numeric/ridge-regression.ts';
import { spearman } from '../numeric/statistics.ts';
import { estimatorReport } from '../search/estimator-report.ts';
import {
  COMBINATION_FEATURES,
  crossValidatedPredictions,
  signedLog,
  type CombinationInput,
} from '../search/proxy-combination.ts';
import { referenceArchitectures } from '../search/reference.ts';
import { generatedReferenceFile } from './support/generated-reference.ts';

describe('ridge regression', () => {
  it('fits one standardized feature as computed by hand', () => {
    // x = 1, 2, 3 standardize to −1, 0, 1; y − ȳ = −2, 0, 2; w = Σzy / (Σz² + λ) = 4 / 3.
    const model = fitRidge([[1], [2], [3]], [2, 4, 6], 1);
    expect(model.weights[0]).toBeCloseTo(4 / 3, 12);
    expect(model.predict([4])).toBeCloseTo(4 + 2 * (4 / 3), 12);
  });

  it('gives a feature constant over the training rows weight 0', () => {
    const model = fitRidge(
      [
        [1, 5],
        [2, 5],
        [3, 5],
      ],
      [2, 4, 6],
      1,
    );
    expect(model.weights[1]).toBe(0);
    expect(model.predict([2, 100])).toBeCloseTo(4, 12);
  });
});

function items(n: number, accuracyOf: (params: number, i: number) => number): CombinationInput[] {
  const rng = makeRng('combination-test');
  return Array.from({ length: n }, (_, i) => {
    const params = 10_000 * (i + 1);
    return {
      hash: `arch-${String(i).padStart(2, '0')}`,
      features: {
        synflow: rng.next() * 1e30,
        naswot: rng.next() * 100,
        grad_norm: rng.next(),
        snip: rng.next() * 10,
        params,
        flops: rng.next() * 1e7,
      },
      accuracy: accuracyOf(params, i),
    };
  });
}

describe('cross-validated combination', () => {
  it('ranks architectures nearly as their accuracy when it follows one feature among five of noise', () => {
    const data = items(15, (params) => 0.7 + 0.02 * Math.log(params));
    const predictions = crossValidatedPredictions(data, 'test');
    // Each fold's fit differs a little, so predictions of different folds are not exactly on one scale.
    expect(
      spearman(
        data.map((d) => predictions.get(d.hash)!),
        data.map((d) => d.accuracy),
      ),
    ).toBeGreaterThan(0.9);
  });

  it('never uses an architecture’s own accuracy for its score', () => {
    const data = items(12, (params) => 0.7 + 0.02 * Math.log(params));
    const changed = data.map((d, i) => (i === 4 ? { ...d, accuracy: 0.1 } : d));
    const before = crossValidatedPredictions(data, 'test');
    const after = crossValidatedPredictions(changed, 'test');
    expect(after.get('arch-04')).toBe(before.get('arch-04'));
    expect(data.filter((d) => after.get(d.hash) !== before.get(d.hash)).length).toBeGreaterThan(0);
  });

  it('draws the same folds from the same seed whatever the input order', () => {
    const data = items(12, (_, i) => (i * 7) % 5);
    expect(crossValidatedPredictions([...data].reverse(), 's')).toEqual(crossValidatedPredictions(data, 's'));
  });

  it('refuses fewer than 10 architectures', () => {
    expect(() =>
      crossValidatedPredictions(
        items(9, () => 0.5),
        's',
      ),
    ).toThrow(/need 10 architectures, got 9/);
  });

  it('is monotone in each score, through 0 and below', () => {
    expect([-10, -1, 0, 1, 1e30].map(signedLog)).toEqual(
      [...[-10, -1, 0, 1, 1e30].map(signedLog)].sort((a, b) => a - b),
    );
    expect(signedLog(0)).toBe(0);
  });
});

describe('the combination in the estimator report', () => {
  const genotypes = referenceArchitectures(7, 12);
  const data = items(12, (params) => 0.7 + 0.02 * Math.log(params));
  const file = generatedReferenceFile(
    genotypes.map((genotype, i) => ({
      genotype,
      params: data[i].features.params,
      flops: data[i].features.flops,
      accuracies: { reference: data[i].accuracy },
    })),
  );
  const proxies = (count: number) =>
    new Map(
      file.architectures
        .slice(0, count)
        .map((a, i) => [
          a.hash,
          Object.fromEntries(ZERO_COST_PROXIES.map((p) => [p, { score: data[i].features[p], cpuSeconds: 2 }])),
        ]),
    );
  const combined = (count: number) =>
    estimatorReport({ file, proxies: proxies(count), sizeCpuSeconds: 0.5 }).find((r) => r.estimator === 'combined');

  it('follows the size baselines in the report, costs every proxy plus the cost model, and ranks nearly as accuracy here', () => {
    const rows = estimatorReport({ file, proxies: proxies(12), sizeCpuSeconds: 0.5 });
    expect(rows.map((r) => r.estimator).indexOf('combined')).toBe(rows.map((r) => r.estimator).indexOf('flops') + 1);
    expect(combined(12)).toMatchObject({ kind: 'combination', n: 12, cpuSecondsPerCandidate: 8.5, note: null });
    expect(combined(12)?.spearman?.estimate).toBeGreaterThan(0.9);
    expect(COMBINATION_FEATURES).toEqual([...ZERO_COST_PROXIES, 'params', 'flops']);
  });

  it('is not fit below 10 architectures with every proxy measured', () => {
    expect(combined(9)).toMatchObject({ n: 9, spearman: null, note: 'n = 9 < 10: too few to fit a combination' });
  });
});
