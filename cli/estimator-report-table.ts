/** The table of `nas estimators report` (JSON and CSV are its records, search/estimator-report.ts). */
import type { EstimatorReportRow, RankAgreement } from '../search/estimator-report.ts';
import { renderRows, type Format } from './format.ts';

const agreement = (a: RankAgreement | null) =>
  a === null ? null : `${a.estimate.toFixed(2)} [${a.low.toFixed(2)}, ${a.high.toFixed(2)}]`;

const seconds = (s: number | null) =>
  s === null ? null : s < 0.01 ? s.toExponential(1) : s >= 1000 ? s.toFixed(0) : s.toPrecision(3);

export function renderEstimatorReport(rows: EstimatorReportRow[], format: Format): string {
  return renderRows(
    rows,
    [
      { header: 'estimator', value: (r) => r.estimator },
      { header: 'kind', value: (r) => r.kind },
      { header: 'n', value: (r) => r.n, align: 'right' },
      { header: 'CPU s/candidate', value: (r) => seconds(r.cpuSecondsPerCandidate), align: 'right' },
      { header: 'one-off CPU s', value: (r) => seconds(r.oneOffCpuSeconds), align: 'right' },
      { header: 'Spearman [95% CI]', value: (r) => agreement(r.spearman), align: 'right' },
      { header: 'Kendall [95% CI]', value: (r) => agreement(r.kendall), align: 'right' },
      { header: 'top 10%', value: (r) => (r.top10 ? `${r.top10.shared}/${r.top10.k}` : null), align: 'right' },
      { header: 'note', value: (r) => r.note },
    ],
    format,
  );
}
