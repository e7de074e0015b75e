/** The final leaderboard (`nas leaderboard --final`) and the fidelity report (`nas search fidelity`) as text, JSON, CSV or Markdown. */
import type { FidelityReport, FinalLeaderboard, FinalRow } from '../db/queries/final-leaderboard.ts';
import { compact, latencyText, percent, percentInterval } from '../numeric/number-text.ts';
import { renderRows, type Column, type Format } from './format.ts';

const FINAL_COLUMNS: Column<FinalRow>[] = [
  { header: 'rank', value: (r) => r.rank, align: 'right' },
  { header: 'kind', value: (r) => r.kind },
  {
    header: 'mean test acc [95% CI]',
    value: (r) => percentInterval(r.meanTestAccuracy, r.low, r.high),
    align: 'right',
  },
  { header: 'repeats', value: (r) => r.repeats, align: 'right' },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'tied', value: (r) => (r.leader ? 'leader' : r.tied ? 'tied' : 'no') },
  {
    header: 'p',
    value: (r) => (r.p === null ? null : r.p < 0.001 ? '<0.001' : r.p.toFixed(3)),
    align: 'right',
  },
  { header: 'pareto', value: (r) => (r.pareto ? 'yes' : '') },
  { header: 'architecture', value: (r) => r.name },
];

/** Median over the repeats of the batch-1 latency their trainers measured; shown when any row has one. */
const LATENCY_COLUMN: Column<FinalRow> = {
  header: 'latency ms',
  value: (r) => (r.latencyMs === undefined ? null : latencyText(r.latencyMs)),
  align: 'right',
};

export function renderFinalLeaderboard(board: FinalLeaderboard, format: Format): string {
  if (format === 'json') return JSON.stringify(board, null, 2);
  const measured = board.rows.some((r) => r.latencyMs !== undefined);
  const at = FINAL_COLUMNS.findIndex((c) => c.header === 'tied');
  const columns = measured
    ? [...FINAL_COLUMNS.slice(0, at), LATENCY_COLUMN, ...FINAL_COLUMNS.slice(at)]
    : FINAL_COLUMNS;
  const rendered = renderRows(board.rows, columns, format);
  if (format === 'csv') return rendered;
  const p = board.protocol;
  const head =
    `final evaluation ${board.finalId} of search ${board.searchId}, protocol ${board.protocolHash}` +
    (p
      ? ` (${p.trainSize} train / ${p.valSize} val / ${p.testSize} test images, ${p.epochs} epochs, data split seed ${p.seed})`
      : '');
  const note = [
    'mean test acc [95% CI]: mean over the repeats (training seeds; the data split is the same for all) with the 95% Student-t',
    'interval of that mean (mean ± t(0.975, n-1)·sd/√n); with one repeat, the 95% Wilson interval of its accuracy on the test images.',
    "tied: not significantly different from the leader at 5% (two-sided): Welch's t-test over repeats when both have 2 or more,",
    "else the two-proportion z-test on the test images; p is that test's p-value. pareto: no other row has a higher-or-equal mean",
    'accuracy at lower-or-equal FLOPs (one of them strictly).',
  ].join('\n');
  return `${head}\n\n${rendered}\n\n${note}`;
}

export function renderFidelity(report: FidelityReport, format: Format): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const pct = (x: number) => percent(x)!;
  const rows = renderRows(
    report.pairs.map((p, i) => ({ ...p, searchRank: i + 1 })),
    [
      { header: 'search rank', value: (r) => r.searchRank, align: 'right' },
      { header: 'search val acc', value: (r) => pct(r.searchAccuracy), align: 'right' },
      { header: 'final mean test acc', value: (r) => pct(r.finalAccuracy), align: 'right' },
      { header: 'architecture', value: (r) => r.name },
    ],
    format === 'markdown' ? 'markdown' : format === 'csv' ? 'csv' : 'table',
  );
  if (format === 'csv') return rows;
  const stat = (name: string, s: FidelityReport['spearman']) =>
    s === null
      ? `${name}: needs at least 2 finalized candidates`
      : `${name}: ${s.estimate.toFixed(3)} [95% bootstrap ${Number.isNaN(s.low) ? '-' : s.low.toFixed(3)}, ${Number.isNaN(s.high) ? '-' : s.high.toFixed(3)}]`;
  const overlap = report.topK.map((o) => `top-${o.k} overlap: ${o.shared}/${o.k}`).join(', ');
  return [
    `fidelity of search ${report.searchId} against its final evaluation ${report.finalId} (${report.pairs.length} candidates)`,
    '',
    rows,
    '',
    stat('Spearman', report.spearman),
    stat('Kendall tau-b', report.kendall),
    overlap || 'top-k overlap: no candidates',
    '',
    `Search accuracy: validation accuracy at the search's final fidelity; final: mean test accuracy over the repeats.`,
    `Intervals: percentile bootstrap over candidates (${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}); resamples with a constant side are dropped.`,
  ].join('\n');
}
