/**
 * The plateau budget: a network trains until its validation accuracy has levelled off, at most
 * protocol.epochs epochs (the cap).
 *
 * The rule, on the validation accuracies a_0 .. a_(n-1) of the n epochs trained so far: training
 * stops after epoch n - 1 when n > patience and
 *
 *   max(a_0 .. a_(n-1)) - max(a_0 .. a_(n-1-patience)) <= minDelta,
 *
 * i.e. the last `patience` epochs raised the best validation accuracy by at most minDelta. It reads
 * the curve alone, so a training resumed from a checkpoint that carries the curve stops at the same
 * epoch as one that was never interrupted.
 */
import { integerIn } from './field-checks.ts';
import { RequestError, shown } from './request-error.ts';

export interface PlateauRule {
  /** Epochs over which the best validation accuracy must rise by more than minDelta to go on. */
  patience: number;
  /** Smallest rise of the best validation accuracy (a fraction, e.g. 0.005 = half a point) that counts. */
  minDelta: number;
}

export const DEFAULT_PLATEAU: PlateauRule = { patience: 3, minDelta: 0.005 };
/** The cap of a plateau budget unless one is given. */
export const DEFAULT_PLATEAU_MAX_EPOCHS = 30;

/** Accuracies are fractions k / n: a rise equal to minDelta must not read as larger through rounding. */
const ROUNDING = 1e-9;

/** Whether training stops after the epochs whose validation accuracies are `curve`. */
export function plateauReached(curve: readonly number[], rule: PlateauRule): boolean {
  const n = curve.length;
  if (n <= rule.patience) return false;
  const bestBefore = Math.max(...curve.slice(0, n - rule.patience));
  const best = Math.max(bestBefore, ...curve.slice(n - rule.patience));
  return best - bestBefore <= rule.minDelta + ROUNDING;
}

/** Epochs a training with this validation curve trains under the rule and a cap of `maxEpochs`. */
export function plateauEpochs(curve: readonly number[], rule: PlateauRule, maxEpochs: number): number {
  for (let n = 1; n <= Math.min(curve.length, maxEpochs); n++) if (plateauReached(curve.slice(0, n), rule)) return n;
  return Math.min(curve.length, maxEpochs);
}

export function checkPlateau(rule: unknown, maxEpochs: number, field: string): void {
  if (typeof rule !== 'object' || rule === null)
    throw new RequestError(field, `must be {patience, minDelta}, got ${shown(rule)}`);
  const { patience, minDelta } = rule as PlateauRule;
  integerIn(`${field}.patience`, patience, 1, Math.max(1, maxEpochs - 1), ' (below the epoch cap)');
  if (typeof minDelta !== 'number' || !(minDelta >= 0 && minDelta < 1))
    throw new RequestError(`${field}.minDelta`, `must be a number in [0, 1), got ${shown(minDelta)}`);
}
