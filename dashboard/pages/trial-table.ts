/**
 * A run's trial table, one page of it: sorted by a header's link, filtered by state, paged, all by
 * the server (plain links and a form, so it works without scripts). The reward column shows when
 * some trial of the run carries one (an objective other than plain accuracy, or a run recorded
 * before such searches stopped storing it), the screen score column when the run screened its
 * proposals with a cheap estimator (`--screen`), the latency column when a trainer measured one, the
 * weights column when a trial kept its trained weights (its `nas export` command in the marker's title).
 */
import { TRIAL_STATES } from '../../contracts/trial-state.ts';
import type { TrialTableFacts, TrialTableSort } from '../../db/queries/dashboard-trial-page.ts';
import type { RunTrial } from '../../db/queries/dashboard-trials.ts';
import { compact, exportCommand, milliseconds, percent, seconds, timestamp } from '../format.ts';
import { html, type Html } from '../html.ts';
import { runViewQuery, type RunView } from './run-view.ts';

interface Column {
  sort: TrialTableSort;
  label: string;
  numeric?: boolean;
}

function columns(facts: TrialTableFacts): Column[] {
  return [
    { sort: 'index', label: '#', numeric: true },
    { sort: 'state', label: 'state' },
    { sort: 'architecture', label: 'architecture' },
    { sort: 'val', label: 'val acc', numeric: true },
    { sort: 'test', label: 'test acc', numeric: true },
    { sort: 'params', label: 'params', numeric: true },
    { sort: 'flops', label: 'FLOPs', numeric: true },
    { sort: 'fidelity', label: 'fidelity', numeric: true },
    ...(facts.rewarded ? [{ sort: 'reward', label: 'reward', numeric: true } as const] : []),
    ...(facts.screened ? [{ sort: 'screen', label: 'screen score', numeric: true } as const] : []),
    ...(facts.measured ? [{ sort: 'latency', label: 'latency', numeric: true } as const] : []),
    { sort: 'train', label: 'train', numeric: true },
    ...(facts.kept ? [{ sort: 'weights', label: 'weights' } as const] : []),
    { sort: 'role', label: 'role' },
    { sort: 'worker', label: 'worker' },
    { sort: 'finished', label: 'finished (UTC)' },
  ];
}

/** A header links to the table sorted by its column, ascending first, then the other way. */
function header(column: Column, view: RunView): Html {
  const sorted = view.sort === column.sort ? view.direction : undefined;
  const direction = sorted === 'asc' ? 'desc' : 'asc';
  return html`<th${column.numeric ? html` class="num"` : ''}${sorted ? html` data-sorted="${sorted}" aria-sort="${sorted === 'asc' ? 'ascending' : 'descending'}"` : ''}><a href="${runViewQuery(view, { sort: column.sort, direction, page: 1 })}">${column.label}</a></th>`;
}

function row(t: RunTrial, facts: TrialTableFacts): Html {
  return html`<tr data-status="${t.status}" data-trial="${t.id}">
<td class="num"><a href="/trials/${encodeURIComponent(t.id)}">${t.trialIndex}</a></td>
<td class="status status-${t.status}">${t.status}</td>
<td class="arch">${t.baselineName ?? t.description}</td>
<td class="num" data-sort="${t.valAccuracy ?? ''}">${percent(t.valAccuracy)}</td>
<td class="num" data-sort="${t.testAccuracy ?? ''}">${percent(t.testAccuracy)}</td>
<td class="num" data-sort="${t.params}">${compact(t.params)}</td>
<td class="num" data-sort="${t.flops}">${compact(t.flops)}</td>
<td class="num">${t.fidelity}</td>
${facts.rewarded ? html`<td class="num" data-sort="${t.reward ?? ''}">${t.reward === null ? '' : t.reward.toFixed(4)}</td>` : ''}
${facts.screened ? screenCell(t) : ''}
${facts.measured ? html`<td class="num" data-sort="${t.latencyMs ?? ''}">${milliseconds(t.latencyMs)}</td>` : ''}
<td class="num" data-sort="${t.trainSeconds ?? ''}">${seconds(t.trainSeconds)}</td>
${facts.kept ? html`<td data-sort="${t.weightsKept ? 1 : 0}">${t.weightsKept ? html`<span class="weights-kept" title="${exportCommand(t.id)}">kept</span>` : ''}</td>` : ''}
<td>${t.role}</td>
<td>${t.worker ?? ''}</td>
<td data-sort="${t.finishedAt?.getTime() ?? ''}">${timestamp(t.finishedAt)}</td>
</tr>`;
}

/** The estimator's score of a screened trial (`--screen`), its rank among the proposals scored in the title. */
function screenCell(t: RunTrial): Html {
  const score = t.strategySummary?.screenScore;
  const rank = t.strategySummary?.screenRank;
  const shown = typeof score === 'number' ? score.toPrecision(4) : '';
  return html`<td class="num screen-score" data-sort="${typeof score === 'number' ? score : ''}"${rank === undefined ? '' : html` title="rank ${rank} of the proposals scored"`}>${shown}</td>`;
}

/** The state filter: a form that keeps the order and the cost, and starts again at page 1. */
function stateFilter(facts: TrialTableFacts, view: RunView): Html {
  const options = TRIAL_STATES.filter((s) => facts.counts.has(s)).map(
    (s) =>
      html`<option value="${s}"${view.state === s ? ' selected' : ''}>${s} (${facts.counts.get(s)!.toLocaleString('en')})</option>`,
  );
  const kept = new URLSearchParams(runViewQuery(view, { state: undefined, page: 1 }));
  return html`<form class="filter" method="get" id="trial-table-filter">${[...kept].map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<label>State: <select name="state" data-submits><option value="">all (${facts.total.toLocaleString('en')})</option>${options}</select></label> <noscript><button type="submit">show</button></noscript></form>`;
}

function pager(view: RunView, matching: number, shown: number, perPage: number): Html {
  const pages = Math.max(1, Math.ceil(matching / perPage));
  const first = (view.page - 1) * perPage;
  const link = (page: number, rel: string, text: string) =>
    html`<a id="trial-table-${rel}" rel="${rel}" href="${runViewQuery(view, { page })}">${text}</a>`;
  const range =
    shown > 0
      ? html`rows <span id="trial-table-range">${(first + 1).toLocaleString('en')}–${(first + shown).toLocaleString('en')}</span>`
      : html`no rows on page ${view.page}`;
  return html`<p class="pager" id="trial-table-pager">${range} of <span id="trial-table-matching">${matching.toLocaleString('en')}</span>${view.state ? ` ${view.state}` : ''} · page ${view.page} of ${pages}${view.page > 1 ? html` · ${link(Math.min(view.page - 1, pages), 'prev', '← previous')}` : ''}${view.page < pages ? html` · ${link(view.page + 1, 'next', 'next →')}` : ''} · click a header to sort</p>`;
}

export function trialTable(rows: RunTrial[], facts: TrialTableFacts, view: RunView, perPage: number): Html {
  const matching = view.state ? (facts.counts.get(view.state) ?? 0) : facts.total;
  return html`<h2>Trials</h2>
${stateFilter(facts, view)}
${pager(view, matching, rows.length, perPage)}
<table id="trial-table">
<thead><tr>${columns(facts).map((c) => header(c, view))}</tr></thead>
<tbody>${rows.map((t) => row(t, facts))}</tbody>
</table>`;
}
