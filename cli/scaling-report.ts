/** `nas scaling report`: the study's points as a table, its chart as SVG, or all of it as JSON. */
import type { ScalingReport } from '../db/queries/scaling-report';
import { chartSvg } from '../dashboard/render/chart';
import { type ReportRow, reportChartSpec, reportRows, verdict } from '../dashboard/scaling-report';
import { compact, percent } from '../numeric/number-text';
import { type Column, type Format, renderRows } from './format';

const fixed = (digits: number) => (v: number) => Number(v.toFixed(digits)).toFixed(digits);
const coef = fixed(3);

const COLUMNS: Column<ReportRow>[] = [
  { header: 'method', value: (r) => (r.chosen ? `${r.method}*` : r.method) },
  { header: 'phi', value: (r) => r.phi, align: 'right' },
  { header: 'alpha', value: (r) => coef(r.alpha), align: 'right' },
  { header: 'beta', value: (r) => coef(r.beta), align: 'right' },
  { header: 'gamma', value: (r) => coef(r.gamma), align: 'right' },
  { header: 'input', value: (r) => `${r.resolutionPx}px`, align: 'right' },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'status', value: (r) => r.status },
  { header: 'val acc', value: (r) => percent(r.valAccuracy), align: 'right' },
  { header: 'test acc', value: (r) => percent(r.testAccuracy), align: 'right' },
  { header: 'train s', value: (r) => (r.trainSeconds === null ? null : r.trainSeconds.toFixed(0)), align: 'right' },
  { header: 'trial', value: (r) => r.trialId },
];

export function renderReportTable(rows: ReportRow[], format: Format = 'table'): string {
  return renderRows(rows, COLUMNS, format);
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
    verdict: verdict(report),
  };
}
