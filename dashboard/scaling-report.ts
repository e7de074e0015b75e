/**
 * A scaling study read for its page and for `nas scaling report`: its points in order, a verdict
 * on whether compound scaling beats the single-axis methods at matched FLOPs, and the chart of
 * accuracy against FLOPs, one line per method.
 */
import type { InputShape } from '../contracts/genotypes.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import type { ScalingPointResult } from '../db/queries/scaling.ts';
import type { ScalingReport } from '../db/queries/scaling-report.ts';
import { compact } from '../numeric/number-text.ts';
import type { ChartSpec } from './render/chart.ts';
import { scalingChartSpec } from './render/scaling-chart.ts';
import {
  axisComparisons,
  type GridStability,
  gridStability,
  methodSummaries,
  mostTrainings,
  type ReportMetric,
} from './scaling-summary.ts';
import { accuracySummary, SIGNIFICANCE } from './scaling-statistics.ts';

/** What the report reads of the study's recorded request (search/scaling-plan.ts ScalingStudyRequest). */
interface RecordedStudy {
  baseName: string;
  phiMax: number;
  protocol: TrainingProtocol;
  input: InputShape;
}

/** The study's recorded choice of step 1 (search/scaling-plan.ts ChosenCoefficients). */
interface RecordedChoice {
  gridIndex: number;
  coefficients: { alpha: number; beta: number; gamma: number };
  valAccuracy: number;
}

const METHOD_ORDER = ['grid', 'compound', 'depth', 'width', 'resolution'];
const AXES = ['depth', 'width', 'resolution'] as const;

export interface ReportRow extends ScalingPointResult {
  /** Input side after resolution scaling, in pixels. */
  resolutionPx: number;
  chosen: boolean;
}

function configOf(report: ScalingReport): RecordedStudy {
  return report.study.config as RecordedStudy;
}

function chosenOf(report: ScalingReport): RecordedChoice | null {
  const chosen = report.study.chosen as Partial<RecordedChoice> | null;
  return chosen && typeof chosen.gridIndex === 'number' ? (chosen as RecordedChoice) : null;
}

export function reportRows(report: ScalingReport): ReportRow[] {
  const config = configOf(report);
  const chosen = chosenOf(report);
  const chosenTrial = chosen ? `${report.study.id}/${chosen.gridIndex}` : null;
  return [...report.points]
    .map((p) => ({
      ...p,
      params: Number(p.params),
      flops: Number(p.flops),
      resolutionPx: Math.round(config.input.height * p.gamma ** p.phi),
      chosen: p.method === 'grid' && p.trialId === chosenTrial,
    }))
    .sort(
      (a, b) =>
        METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method) ||
        a.phi - b.phi ||
        a.flops - b.flops ||
        a.repeat - b.repeat,
    );
}

/** Accuracy compared between methods: test accuracy when the protocol evaluates on the test set. */
export function metricOf(config: RecordedStudy): ReportMetric {
  return config.protocol.testSize > 0
    ? { key: 'testAccuracy', name: 'test accuracy', samples: config.protocol.testSize }
    : { key: 'valAccuracy', name: 'validation accuracy', samples: config.protocol.valSize };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The study's repeats summarised (scaling-summary.ts), for the report's tables and JSON. */
export function reportSummary(report: ScalingReport) {
  const config = configOf(report);
  const metric = metricOf(config);
  const chosen = chosenOf(report);
  return {
    metric,
    methods: methodSummaries(report, metric, config.phiMax),
    comparisons: axisComparisons(report, metric, config.phiMax),
    grid: gridStability(report, chosen ? `${report.study.id}/${chosen.gridIndex}` : null),
  };
}

/** One line per phi and a conclusion: does compound scaling beat depth, width and resolution scaling here? */
export function verdict(report: ScalingReport): string[] {
  const rows = reportRows(report);
  const summary = reportSummary(report);
  const lines: string[] = [];
  const chosen = chosenOf(report);
  if (chosen) {
    const c = chosen.coefficients;
    const gridPoints = new Set(rows.filter((r) => r.method === 'grid').map((r) => `${r.alpha}/${r.beta}/${r.gamma}`));
    lines.push(
      `Step 1 chose alpha=${c.alpha}, beta=${c.beta}, gamma=${c.gamma} (alpha*beta^2*gamma^2 = ${(c.alpha * c.beta ** 2 * c.gamma ** 2).toFixed(3)}) ` +
        `with validation accuracy ${pct(chosen.valAccuracy)} among ${gridPoints.size} grid points.`,
    );
    if (summary.grid) lines.push(gridStabilityLine(summary.grid));
  } else {
    lines.push(`No coefficients were chosen (study ${report.study.status}).`);
  }
  if (mostTrainings(summary.methods) > 1) return [...lines, ...repeatsVerdict(summary)];
  return [...lines, ...singleTrainingVerdict(report, rows)];
}

function gridStabilityLine(grid: GridStability): string {
  return (
    `Resampling each grid point's repeats (${grid.resamples} bootstrap resamples, seed "${grid.seed}"), ` +
    `that choice has the best mean validation accuracy in ${(grid.frequency * 100).toFixed(1)}% of them.`
  );
}

/** With repeats: Welch's test per phi and axis, words only where it supports them. */
function repeatsVerdict(summary: ReturnType<typeof reportSummary>): string[] {
  const { comparisons, metric } = summary;
  const lines = comparisons.map((c) => `${c.verdict}.`);
  const tested = comparisons.filter((c) => c.p !== null);
  const ahead = tested.filter((c) => c.p! < SIGNIFICANCE && c.difference! > 0).length;
  const behind = tested.filter((c) => c.p! < SIGNIFICANCE && c.difference! < 0).length;
  if (tested.length === 0) {
    lines.push('Verdict: not enough repeats to test any comparison (2 trainings of each side are needed).');
  } else if (ahead === comparisons.length) {
    lines.push(
      `Verdict: yes. Compound scaling is ahead of every single-axis method at every phi (Welch's t-test, p < ${SIGNIFICANCE}, ${metric.name}).`,
    );
  } else {
    lines.push(
      `Verdict: compound scaling is ahead in ${ahead}, behind in ${behind} and not separable in ${tested.length - ahead - behind} ` +
        `of ${tested.length} tested comparisons (Welch's t-test at ${SIGNIFICANCE}, ${metric.name}, matched FLOPs)` +
        `${tested.length < comparisons.length ? `; ${comparisons.length - tested.length} lack the repeats for a test` : ''}.`,
    );
  }
  lines.push(
    `(Means over training seeds on one data split; intervals are 95% Student-t, differences 95% Welch. ${metric.name[0].toUpperCase()}${metric.name.slice(1)} on ${metric.samples} samples.)`,
  );
  return lines;
}

/** One training per point: margins against two standard errors of a single accuracy. */
function singleTrainingVerdict(report: ScalingReport, rows: ReportRow[]): string[] {
  const config = configOf(report);
  const metric = metricOf(config);
  const lines: string[] = [];
  let compared = 0;
  let wins = 0;
  let clearWins = 0;
  let clearLosses = 0;
  for (let phi = 1; phi <= config.phiMax; phi++) {
    const at = (method: string) => rows.find((r) => r.method === method && r.phi === phi);
    const compound = at('compound');
    const singles = AXES.map((axis) => ({ axis, row: at(axis) }));
    const score = (row: ReportRow | undefined) => (row ? row[metric.key] : null);
    const compoundScore = score(compound);
    if (compoundScore === null || singles.some((s) => score(s.row) === null)) {
      lines.push(`phi=${phi}: not every method has a ${metric.name} yet.`);
      continue;
    }
    compared++;
    const best = singles.reduce((a, b) => (score(b.row)! > score(a.row)! ? b : a));
    const margin = compoundScore - score(best.row)!;
    // Two standard errors of the difference of two accuracies measured on `samples` examples each.
    const p = (compoundScore + score(best.row)!) / 2;
    const noise = 2 * Math.sqrt((2 * p * (1 - p)) / metric.samples);
    if (margin > 0) wins++;
    if (margin > noise) clearWins++;
    if (margin < -noise) clearLosses++;
    const others = singles.map((s) => `${s.axis} ${pct(score(s.row)!)}`).join(', ');
    lines.push(
      `phi=${phi} (~${compact(compound!.flops)} FLOPs): compound ${pct(compoundScore)} vs ${others}; ` +
        `${margin >= 0 ? 'compound ahead of' : 'compound behind'} the best single axis (${best.axis}) by ${(Math.abs(margin) * 100).toFixed(2)} points ` +
        `(2 standard errors: ${(noise * 100).toFixed(2)} points).`,
    );
  }
  if (compared === 0) {
    lines.push('Verdict: not enough finished points to compare the methods.');
  } else if (clearWins === compared) {
    lines.push(
      `Verdict: yes. Compound scaling beats every single-axis method at matched FLOPs at all ${compared} phi values, by more than the noise (${metric.name}).`,
    );
  } else if (wins === compared) {
    lines.push(
      `Verdict: compound scaling comes out ahead at all ${compared} phi values, but ${compared - clearWins} of the margins are within the noise of ${metric.samples} samples: not a clear win here.`,
    );
  } else {
    lines.push(
      `Verdict: no. Compound scaling beats every single-axis method at ${wins} of ${compared} phi values` +
        `${clearLosses ? ` and is clearly behind at ${clearLosses}` : ''} (${metric.name}, matched FLOPs).`,
    );
  }
  lines.push(
    `(Accuracies compared: ${metric.name} on ${metric.samples} samples. The phi=1 compound point was selected on validation accuracy among the grid, so ${metric.key === 'testAccuracy' ? 'test accuracy is the unbiased comparison' : 'validation accuracy favours it at phi=1'}.)`,
  );
  return lines;
}

function protocolText(config: RecordedStudy): string {
  const p = config.protocol;
  const epochs = p.plateau
    ? `until validation accuracy levels off (at most ${p.epochs} epochs)`
    : `${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`;
  return `${p.dataset}, ${p.trainSize} training samples, ${epochs} of batch ${p.batchSize}, ${p.optimizer} lr ${p.learningRate}, seed ${p.seed}`;
}

/** The study's chart (accuracy against FLOPs per method, and the grid), as the dashboard draws it. */
export function reportChartSpec(report: ScalingReport): ChartSpec {
  const config = configOf(report);
  const metric = metricOf(config);
  const repeated = report.points.some((p) => p.repeat > 0);
  return scalingChartSpec({
    title: `Compound vs single-axis scaling of ${config.baseName}`,
    subtitle: `${protocolText(config)}; FLOPs matched per φ`,
    yLabel: `${metric.name[0].toUpperCase()}${metric.name.slice(1)} (%) on ${metric.samples} images${repeated ? ', mean over training seeds (bars: 95% intervals)' : ''}`,
    coefficients: chosenOf(report)?.coefficients ?? null,
    points: meanPerPoint(reportRows(report), metric.key),
  });
}

/** One chart point per network: the mean over its repeats with its 95% interval, linked to its first training. */
function meanPerPoint(rows: ReportRow[], key: ReportMetric['key']) {
  const groups = new Map<string, ReportRow[]>();
  for (const r of rows) {
    const id = `${r.method}/${r.phi}/${r.alpha}/${r.beta}/${r.gamma}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const summary = accuracySummary(group.map((r) => r[key]).filter((a): a is number => a !== null));
    return {
      method: group[0].method,
      phi: group[0].phi,
      flops: group[0].flops,
      accuracy: summary?.mean ?? null,
      low: summary?.low ?? null,
      high: summary?.high ?? null,
      trialId: group[0].trialId,
    };
  });
}
