/** The home page: every search, baseline run, scaling study and final evaluation, with live progress. */
import type { Database } from '../../db/client.ts';
import { listRuns, type RunSummary } from '../../db/queries/dashboard-runs.ts';
import { compact, percent, timestamp } from '../format.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';

const KIND_NAMES: Record<RunSummary['kind'], string> = {
  search: 'search',
  baselines: 'baselines',
  scaling: 'scaling study',
  final: 'final evaluation',
  reference: 'reference build',
};

export function runHref(run: Pick<RunSummary, 'id' | 'kind'>): string {
  return run.kind === 'scaling' ? `/scaling/${encodeURIComponent(run.id)}` : `/runs/${encodeURIComponent(run.id)}`;
}

function progressCell(run: RunSummary) {
  const planned = Math.max(run.trialsRequested, run.trialsDone);
  const share = planned > 0 ? Math.min(1, run.trialsDone / planned) : 0;
  return html`<td class="num" data-sort="${run.trialsDone}"><span class="progress"><span style="width:${(share * 100).toFixed(1)}%"></span></span><span class="done">${run.trialsDone}</span> / ${run.trialsRequested}${run.trialsRunning ? html` (${run.trialsRunning} running)` : ''}</td>`;
}

export async function runsPage(db: Database): Promise<string> {
  const runs = await listRuns(db);
  const rows = runs.map(
    (run) => html`<tr data-status="${run.status}" data-run="${run.id}">
<td><a href="${runHref(run)}">${run.id}</a></td>
<td>${KIND_NAMES[run.kind]}</td>
<td class="status status-${run.status}">${run.status}</td>
${progressCell(run)}
<td class="num" data-sort="${run.bestValAccuracy ?? ''}">${percent(run.bestValAccuracy)}</td>
<td>${run.space}</td>
<td>${run.strategy}</td>
<td data-sort="${run.createdAt.getTime()}">${timestamp(run.createdAt)}</td>
<td data-sort="${run.finishedAt?.getTime() ?? ''}">${timestamp(run.finishedAt)}</td>
</tr>`,
  );
  const body = html`<section id="runs" data-live>
${runs.length === 0 ? html`<p class="note">No runs recorded in this database yet: start one with <code>nas search start</code>.</p>` : ''}
<table id="runs-table" class="sortable">
<thead><tr><th>run</th><th>kind</th><th>status</th><th class="num">trials done / planned</th><th class="num">best val acc</th><th>space</th><th>strategy</th><th>created (UTC)</th><th>finished (UTC)</th></tr></thead>
<tbody>${rows}</tbody>
</table>
<p class="note">${runs.length} runs, ${compact(runs.reduce((n, r) => n + r.trialsDone, 0))} trials ended.</p>
</section>`;
  return page({ title: 'All runs', body, events: '/events' });
}
