/** `nas scaling report`: the study's points as a table, its chart as SVG, or all of it as JSON. */
import type { ScalingReport } from '../db/queries/scaling-report.ts';
import { chartSvg } from '../dashboard/render/chart.ts';
import { type ReportRow, reportChartSpec, reportRows, reportSummary, verdict } from '../dashboard/scaling-report.ts';
import type { AxisComparison } from '../dashboard/scaling-statistics.ts';
import { pText } from '../dashboard/scaling-statistics.ts';
import type { MethodSummary } from '../dashboard/scaling-summary.ts';
import { compact, percent, percentInterval } from '../numeric/number-text.ts';
import { type Column, type Format, renderRows } from './format.ts';
import { trainingBudget } from '../dashboard/scaling-budget.ts';

const fixed = (digits: number) => (v: number) => Number(v.toFixed(digits)).toFixed(digits);
const coef = fixed(3);
const points = (v: number | null) => (v === null ? null : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}`);

const COLUMNS: Column<ReportRow>[] = [
  { header: 'method', value: (r) => (r.chosen ? `${r.method}*` : r.method) },
  { header: 'phi', value: (r) => r.phi, align: 'right' },
  { header: 'repeat', value: (r) => r.repeat, align: 'right' },
  { header: 'alpha', value: (r) => coef(r.alpha), align: 'right' },
  { header: 'beta', value: (r) => coef(r.beta), align: 'right' },
  { header: 'gamma', value: (r) => coef(r.gamma), align: 'right' },
  { header: 'input', value: (r) => `${r.resolutionPx}px`, align: 'right' },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'status', value: (r) => r.status },
  { header: 'val acc', value: (r) => percent(r.valAccuracy), align: 'right' },
  { header: 'test acc', value: (r) => percent(r.testAccuracy), align: 'right' },
  { header: 'epochs', value: (r) => r.epochs, align: 'right' },
  { header: 'last-epoch gain', value: (r) => points(r.finalEpochGain ?? null), align: 'right' },
  { header: 'train s', value: (r) => (r.trainSeconds === null ? null : r.trainSeconds.toFixed(0)), align: 'right' },
  { header: 'trial', value: (r) => r.trialId },
];

export function renderReportTable(rows: ReportRow[], format: Format = 'table'): string {
  return renderRows(rows, COLUMNS, format);
}

const METHOD_COLUMNS: Column<MethodSummary>[] = [
  { header: 'method', value: (r) => r.method },
  { header: 'phi', value: (r) => r.phi, align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'trainings', value: (r) => r.trainings, align: 'right' },
  { header: 'mean acc [95% CI]', value: (r) => percentInterval(r.mean, r.low, r.high), align: 'right' },
];

const COMPARISON_COLUMNS: Column<AxisComparison>[] = [
  { header: 'phi', value: (c) => c.phi, align: 'right' },
  { header: 'vs', value: (c) => c.axis },
  { header: 'trainings', value: (c) => `${c.compoundTrainings}/${c.axisTrainings}`, align: 'right' },
  { header: 'compound - axis (points)', value: (c) => points(c.difference), align: 'right' },
  {
    header: '95% CI',
    value: (c) => (c.low === null || c.high === null ? null : `[${points(c.low)}, ${points(c.high)}]`),
    align: 'right',
  },
  { header: 'Welch p', value: (c) => (c.p === null ? null : pText(c.p).replace(/^p [=<] ?/, '')), align: 'right' },
];

export const REPORT_TABLES = ['trainings', 'methods', 'comparisons'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

/** One of the report's tables: every training, the mean per method and phi, or compound minus each axis. */
export function renderSummaryTable(report: ScalingReport, table: ReportTable, format: Format): string {
  if (table === 'trainings') return renderReportTable(reportRows(report), format);
  const summary = reportSummary(report);
  return table === 'methods'
    ? renderRows(summary.methods, METHOD_COLUMNS, format)
    : renderRows(summary.comparisons, COMPARISON_COLUMNS, format);
}

export function reportSvg(report: ScalingReport): string {
  return chartSvg(reportChartSpec(report));
}

export function reportJson(report: ScalingReport): unknown {
  return {
    study: {
      id: report.study.id,
      base: report.study.base,
      status: report.study.status,
      chosen: report.study.chosen,
      config: report.study.config,
    },
    points: reportRows(report),
    ...reportSummary(report),
    budget: trainingBudget(report),
    verdict: verdict(report),
  };
}
