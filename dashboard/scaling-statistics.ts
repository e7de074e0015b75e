/**
 * The statistics of a scaling study with repeats: a method's mean accuracy at a phi with its
 * Student-t interval, compound minus a single axis with its Welch interval and p-value, the words
 * a comparison earns, and how often step 1's choice wins when the grid's repeats are resampled.
 * Pure: numeric/statistics does the arithmetic.
 */
import { makeRng } from '../numeric/rng.ts';
import { meanInterval, type MeanInterval, welchDifference } from '../numeric/statistics.ts';

/** Two-sided level below which a difference is reported as a difference. */
export const SIGNIFICANCE = 0.05;
export const CONFIDENCE = 0.95;

/** Mean over repeats with its 95% Student-t interval (no interval with one training); null with none. */
export function accuracySummary(accuracies: readonly number[]): MeanInterval | null {
  return accuracies.length === 0 ? null : meanInterval(accuracies, CONFIDENCE);
}

export interface AxisComparison {
  phi: number;
  axis: string;
  compoundTrainings: number;
  axisTrainings: number;
  /** Mean compound accuracy minus mean single-axis accuracy; null when a side has no training. */
  difference: number | null;
  /** Welch interval and p-value; null unless both sides have at least 2 trainings. */
  low: number | null;
  high: number | null;
  p: number | null;
  verdict: string;
}

export function compareWithAxis(
  phi: number,
  axis: string,
  compound: readonly number[],
  single: readonly number[],
): AxisComparison {
  const base = { phi, axis, compoundTrainings: compound.length, axisTrainings: single.length };
  if (compound.length === 0 || single.length === 0) {
    return {
      ...base,
      difference: null,
      low: null,
      high: null,
      p: null,
      verdict: comparisonWords({ ...base, p: null }),
    };
  }
  if (compound.length < 2 || single.length < 2) {
    const difference = accuracySummary(compound)!.mean - accuracySummary(single)!.mean;
    return { ...base, difference, low: null, high: null, p: null, verdict: comparisonWords({ ...base, p: null }) };
  }
  const welch = welchDifference(compound, single, CONFIDENCE);
  const result = { ...base, difference: welch.difference, low: welch.low, high: welch.high, p: welch.p };
  return { ...result, verdict: comparisonWords(result) };
}

type Worded = Pick<AxisComparison, 'phi' | 'axis' | 'compoundTrainings' | 'axisTrainings' | 'p'> & {
  difference?: number | null;
};

/** "compound ahead of width at phi 2 (p = 0.01)" only where Welch's test supports it. */
export function comparisonWords(c: Worded): string {
  const at = `at phi ${c.phi}`;
  if (c.compoundTrainings === 0 || c.axisTrainings === 0) return `compound vs ${c.axis} ${at}: not trained yet`;
  if (c.p === null) {
    return `compound vs ${c.axis} ${at}: no test (needs 2 trainings of each, has ${c.compoundTrainings} and ${c.axisTrainings}; train more with --repeats)`;
  }
  if (c.p < SIGNIFICANCE && c.difference !== undefined && c.difference !== null && c.difference !== 0) {
    return `compound ${c.difference > 0 ? 'ahead of' : 'behind'} ${c.axis} ${at} (${pText(c.p)})`;
  }
  return `compound and ${c.axis} not separable ${at} (${pText(c.p)})`;
}

export function pText(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

export interface GridWins {
  /** Resamples in which the chosen grid point had the best mean. */
  wins: number;
  resamples: number;
  frequency: number;
}

/**
 * How often grid point `chosen` wins step 1 when each point's repeats are resampled with
 * replacement (seeded): the best mean wins, the lowest index on ties, as the study chooses.
 * Points without a training take no part.
 */
export function gridWinFrequency(
  accuracies: ReadonlyArray<readonly number[]>,
  chosen: number,
  options: { seed: number | string; resamples?: number },
): GridWins {
  const { seed, resamples = 2000 } = options;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`grid bootstrap: resamples must be a positive integer, got ${resamples}`);
  const rng = makeRng(seed);
  let wins = 0;
  for (let r = 0; r < resamples; r++) {
    let best = -1;
    let bestMean = -Infinity;
    accuracies.forEach((values, i) => {
      if (values.length === 0) return;
      let sum = 0;
      for (let k = 0; k < values.length; k++) sum += values[rng.int(values.length)];
      const m = sum / values.length;
      if (m > bestMean) {
        best = i;
        bestMean = m;
      }
    });
    if (best === chosen) wins++;
  }
  return { wins, resamples, frequency: wins / resamples };
}
