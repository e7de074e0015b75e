/**
 * A run's trial table: sortable by any column, filterable by state. The reward column shows when
 * trials carry one (an objective other than plain accuracy, or a run recorded before such searches
 * stopped storing it), the latency column when a trainer measured one, the weights column when a
 * trial kept its trained weights (its `nas export` command in the marker's title).
 */
import { TRIAL_STATES } from '../../contracts/trial-state';
import type { RunTrial } from '../../db/queries/dashboard-trials';
import { compact, exportCommand, milliseconds, percent, seconds, timestamp } from '../format';
import { html } from '../html';

export function trialTable(trials: RunTrial[]) {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const rewarded = trials.some((t) => t.reward !== null);
  const measured = trials.some((t) => t.latencyMs !== null);
  const kept = trials.some((t) => t.weightsKept);
  const options = TRIAL_STATES.filter((s) => counts.has(s)).map(
    (s) => html`<option value="${s}">${s} (${counts.get(s)})</option>`,
  );
  const rows = trials.map(
    (t) => html`<tr data-status="${t.status}" data-trial="${t.id}">
<td class="num"><a href="/trials/${encodeURIComponent(t.id)}">${t.trialIndex}</a></td>
<td class="status status-${t.status}">${t.status}</td>
<td class="arch">${t.baselineName ?? t.description}</td>
<td class="num" data-sort="${t.valAccuracy ?? ''}">${percent(t.valAccuracy)}</td>
<td class="num" data-sort="${t.testAccuracy ?? ''}">${percent(t.testAccuracy)}</td>
<td class="num" data-sort="${t.params}">${compact(t.params)}</td>
<td class="num" data-sort="${t.flops}">${compact(t.flops)}</td>
<td class="num">${t.fidelity}</td>
${rewarded ? html`<td class="num" data-sort="${t.reward ?? ''}">${t.reward === null ? '' : t.reward.toFixed(4)}</td>` : ''}
${measured ? html`<td class="num" data-sort="${t.latencyMs ?? ''}">${milliseconds(t.latencyMs)}</td>` : ''}
<td class="num" data-sort="${t.trainSeconds ?? ''}">${seconds(t.trainSeconds)}</td>
${kept ? html`<td data-sort="${t.weightsKept ? 1 : 0}">${t.weightsKept ? html`<span class="weights-kept" title="${exportCommand(t.id)}">kept</span>` : ''}</td>` : ''}
<td>${t.role}</td>
<td>${t.worker ?? ''}</td>
<td data-sort="${t.finishedAt?.getTime() ?? ''}">${timestamp(t.finishedAt)}</td>
</tr>`,
  );
  return html`<section id="trials" data-live>
<h2>Trials</h2>
<div class="filter"><label>State: <select data-filters="trial-table"><option value="">all (${trials.length})</option>${options}</select></label> · <span id="trial-table-shown">${trials.length}</span> shown · click a header to sort</div>
<table id="trial-table" class="sortable">
<thead><tr><th class="num">#</th><th>state</th><th>architecture</th><th class="num">val acc</th><th class="num">test acc</th><th class="num">params</th><th class="num">FLOPs</th><th class="num">fidelity</th>${rewarded ? html`<th class="num">reward</th>` : ''}${measured ? html`<th class="num">latency</th>` : ''}<th class="num">train</th>${kept ? html`<th>weights</th>` : ''}<th>role</th><th>worker</th><th>finished (UTC)</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</section>`;
}
