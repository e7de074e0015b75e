/**
 * A scaling study's repeats summarised: per method and phi the mean accuracy with its interval,
 * per phi compound minus each single axis with Welch's test, and how stable step 1's choice is
 * under a bootstrap of the grid's repeats.
 */
import type { ScalingPointResult } from '../db/queries/scaling.ts';
import type { ScalingReport } from '../db/queries/scaling-report.ts';
import {
  type AxisComparison,
  accuracySummary,
  compareWithAxis,
  type GridWins,
  gridWinFrequency,
} from './scaling-statistics.ts';

const LINE_METHODS = ['compound', 'depth', 'width', 'resolution'] as const;
const AXES = ['depth', 'width', 'resolution'] as const;
export const GRID_BOOTSTRAP_RESAMPLES = 2000;

export interface ReportMetric {
  key: 'testAccuracy' | 'valAccuracy';
  name: string;
  samples: number;
}

export interface MethodSummary {
  method: string;
  phi: number;
  flops: number;
  /** Trainings with a usable accuracy. */
  trainings: number;
  mean: number | null;
  low: number | null;
  high: number | null;
}

export interface GridStability extends GridWins {
  coefficients: { alpha: number; beta: number; gamma: number };
  seed: string;
}

function usable(points: readonly ScalingPointResult[], key: ReportMetric['key']): number[] {
  return points
    .filter((p) => p.status === 'succeeded' || p.status === 'reused')
    .map((p) => p[key])
    .filter((a): a is number => a !== null && Number.isFinite(a));
}

function pointsAt(report: ScalingReport, method: string, phi: number): ScalingPointResult[] {
  return report.points.filter((p) => p.method === method && p.phi === phi);
}

export function methodSummaries(report: ScalingReport, metric: ReportMetric, phiMax: number): MethodSummary[] {
  const rows: MethodSummary[] = [];
  for (const method of LINE_METHODS) {
    for (let phi = 0; phi <= phiMax; phi++) {
      const points = pointsAt(report, method, phi);
      if (points.length === 0) continue;
      const summary = accuracySummary(usable(points, metric.key));
      rows.push({
        method,
        phi,
        flops: Number(points[0].flops),
        trainings: summary?.n ?? 0,
        mean: summary?.mean ?? null,
        low: summary?.low ?? null,
        high: summary?.high ?? null,
      });
    }
  }
  return rows;
}

/** Compound minus depth, width and resolution at every phi >= 1 (at phi 0 they are one network). */
export function axisComparisons(report: ScalingReport, metric: ReportMetric, phiMax: number): AxisComparison[] {
  const comparisons: AxisComparison[] = [];
  for (let phi = 1; phi <= phiMax; phi++) {
    const compound = usable(pointsAt(report, 'compound', phi), metric.key);
    for (const axis of AXES) {
      comparisons.push(compareWithAxis(phi, axis, compound, usable(pointsAt(report, axis, phi), metric.key)));
    }
  }
  return comparisons;
}

/** Most usable trainings of any line point: above 1, the study has repeats to test. */
export function mostTrainings(summaries: readonly MethodSummary[]): number {
  return summaries.reduce((most, s) => Math.max(most, s.trainings), 0);
}

/**
 * How often the chosen grid point still has the best mean validation accuracy when each grid
 * point's repeats are resampled (seeded by the study id); null without grid repeats.
 */
export function gridStability(report: ScalingReport, chosenTrialId: string | null): GridStability | null {
  const grid = report.points.filter((p) => p.method === 'grid');
  const keyOf = (p: ScalingPointResult) => `${p.alpha}/${p.beta}/${p.gamma}`;
  // Grid order: the study lists its grid by alpha, then beta, then gamma, as listScalingPoints sorts.
  const keys = [...new Set(grid.map(keyOf))];
  const groups = keys.map((k) => grid.filter((p) => keyOf(p) === k));
  const chosen = groups.findIndex((g) => g.some((p) => p.trialId === chosenTrialId));
  if (chosen < 0 || groups.every((g) => g.length < 2)) return null;
  const seed = `${report.study.id}/grid-bootstrap`;
  const wins = gridWinFrequency(
    groups.map((g) => usable(g, 'valAccuracy')),
    chosen,
    { seed, resamples: GRID_BOOTSTRAP_RESAMPLES },
  );
  const { alpha, beta, gamma } = groups[chosen][0];
  return { ...wins, coefficients: { alpha, beta, gamma }, seed };
}
