/**
 * A combination of the zero-cost proxies and the size baselines, judged without leaking the
 * reference accuracies it is judged against: the architectures are split into CROSS_VALIDATION_FOLDS
 * seeded folds; for each fold a ridge regression of reference test accuracy on the features of the
 * other folds predicts the fold's architectures. The combination's score of an architecture is that
 * out-of-fold prediction, so no score saw its own architecture's accuracy.
 */
import { makeRng } from '../numeric/rng.ts';
import { fitRidge } from '../numeric/ridge-regression.ts';

export const COMBINATION_FEATURES = ['synflow', 'naswot', 'grad_norm', 'snip', 'params', 'flops'] as const;
export type CombinationFeature = (typeof COMBINATION_FEATURES)[number];

export const CROSS_VALIDATION_FOLDS = 5;
export const RIDGE_LAMBDA = 1;
/** Below this many architectures with every feature, a fold's fit has too few rows to mean anything. */
export const MIN_COMBINED_ARCHITECTURES = 10;

export const COMBINATION_SCORE =
  `ridge (λ = ${RIDGE_LAMBDA}) on sign·log(1 + |x|) of ${COMBINATION_FEATURES.join(', ')}; ` +
  `${CROSS_VALIDATION_FOLDS}-fold cross-validated predictions`;

export interface CombinationInput {
  hash: string;
  features: Record<CombinationFeature, number>;
  accuracy: number;
}

/** Monotone, defined at 0 and below, and tames scores spanning tens of orders of magnitude (synflow). */
export function signedLog(x: number): number {
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

/** Out-of-fold predictions by architecture hash; the same seed gives the same folds for the same hashes. */
export function crossValidatedPredictions(items: readonly CombinationInput[], seed: string): Map<string, number> {
  if (items.length < MIN_COMBINED_ARCHITECTURES)
    throw new RangeError(`combination: need ${MIN_COMBINED_ARCHITECTURES} architectures, got ${items.length}`);
  const shuffled = [...items].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const rng = makeRng(seed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const row = (item: CombinationInput) => COMBINATION_FEATURES.map((f) => signedLog(item.features[f]));
  const predictions = new Map<string, number>();
  for (let fold = 0; fold < CROSS_VALIDATION_FOLDS; fold++) {
    const held = shuffled.filter((_, i) => i % CROSS_VALIDATION_FOLDS === fold);
    const fit = shuffled.filter((_, i) => i % CROSS_VALIDATION_FOLDS !== fold);
    const model = fitRidge(
      fit.map(row),
      fit.map((item) => item.accuracy),
      RIDGE_LAMBDA,
    );
    for (const item of held) predictions.set(item.hash, model.predict(row(item)));
  }
  return predictions;
}
