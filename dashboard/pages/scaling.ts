/** A scaling study's page: accuracy against FLOPs per method and the grid search, the verdict, the points. */
import type { Database } from '../../db/client.ts';
import { scalingReport } from '../../db/queries/scaling-report.ts';
import { reportChartSpec, reportRows, reportSummary, verdict } from '../scaling-report.ts';
import { percentInterval } from '../../numeric/number-text.ts';
import { pText } from '../scaling-statistics.ts';
import { budgetLines } from '../scaling-budget.ts';
import { compact, percent, seconds } from '../format.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { chartFigure } from './figure.ts';

export async function scalingPage(db: Database, id: string): Promise<string | null> {
  const report = await scalingReport(db, id);
  if (!report) return null;
  const rows = reportRows(report);
  const summary = reportSummary(report);
  const signed = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}`);
  const body = html`<section id="scaling" data-live>
<dl class="facts"><dt>status</dt><dd class="status status-${report.study.status}">${report.study.status}</dd><dt>base</dt><dd>${report.study.base}</dd><dt>points</dt><dd>${rows.length}</dd></dl>
${chartFigure('scaling-chart', reportChartSpec(report), 'Accuracy against FLOPs: one line per scaling method, the grid search of step 1 as grey points.')}
<h2>Verdict</h2>
<ul>${[...budgetLines(report), ...verdict(report)].map((line) => html`<li>${line}</li>`)}</ul>
<h2>Means over repeats</h2>
<table id="scaling-means"><thead><tr><th>method</th><th class="num">φ</th><th class="num">FLOPs</th><th class="num">trainings</th><th class="num">mean ${summary.metric.name} [95% CI]</th></tr></thead>
<tbody>${summary.methods.map(
    (m) =>
      html`<tr><td>${m.method}</td><td class="num">${m.phi}</td><td class="num">${compact(m.flops)}</td><td class="num">${m.trainings}</td><td class="num">${percentInterval(m.mean, m.low, m.high) ?? '–'}</td></tr>`,
  )}</tbody></table>
<h2>Compound minus each single axis</h2>
<table id="scaling-comparisons"><thead><tr><th class="num">φ</th><th>vs</th><th class="num">difference (points) [95% CI]</th><th class="num">Welch</th><th>reading</th></tr></thead>
<tbody>${summary.comparisons.map(
    (c) =>
      html`<tr><td class="num">${c.phi}</td><td>${c.axis}</td><td class="num">${signed(c.difference)}${c.low === null ? '' : ` [${signed(c.low)}, ${signed(c.high)}]`}</td><td class="num">${c.p === null ? '–' : pText(c.p)}</td><td>${c.verdict}</td></tr>`,
  )}</tbody></table>
<h2>Points</h2>
<table id="scaling-table" class="sortable"><thead><tr><th>method</th><th class="num">φ</th><th class="num">repeat</th><th class="num">α</th><th class="num">β</th><th class="num">γ</th><th class="num">input</th><th class="num">params</th><th class="num">FLOPs</th><th>state</th><th class="num">val acc</th><th class="num">test acc</th><th class="num">epochs</th><th class="num">last-epoch gain</th><th class="num">train</th><th>trial</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr data-status="${r.status}"><td>${r.method}${r.chosen ? ' (chosen)' : ''}</td><td class="num">${r.phi}</td><td class="num">${r.repeat}</td><td class="num">${r.alpha.toFixed(3)}</td><td class="num">${r.beta.toFixed(3)}</td><td class="num">${r.gamma.toFixed(3)}</td><td class="num">${r.resolutionPx}px</td><td class="num" data-sort="${r.params}">${compact(r.params)}</td><td class="num" data-sort="${r.flops}">${compact(r.flops)}</td><td class="status status-${r.status}">${r.status}</td><td class="num" data-sort="${r.valAccuracy ?? ''}">${percent(r.valAccuracy)}</td><td class="num" data-sort="${r.testAccuracy ?? ''}">${percent(r.testAccuracy)}</td><td class="num">${r.epochs}</td><td class="num">${signed(r.finalEpochGain)}</td><td class="num">${seconds(r.trainSeconds)}</td><td><a href="/trials/${encodeURIComponent(r.trialId)}">${r.trialId}</a></td></tr>`,
  )}</tbody></table>
</section>`;
  return page({ title: `Scaling study ${id}`, body, events: `/events/runs/${encodeURIComponent(id)}` });
}
