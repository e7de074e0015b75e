/** A final evaluation's leaderboard: mean test accuracy over repeats with its 95% interval, ties with the leader, the Pareto front. */
import type { FinalLeaderboard } from '../../db/queries/final-leaderboard.ts';
import { compact, percent } from '../format.ts';
import { html } from '../html.ts';

const INTERVALS = { 'student-t': 'Student t over repeats', wilson: 'Wilson (one repeat)', none: '' };

export function finalTable(board: FinalLeaderboard) {
  const rows = board.rows.map(
    (r) => html`<tr data-arch="${r.archHash}">
<td class="num">${r.rank}</td>
<td class="arch">${r.name}</td>
<td>${r.kind}</td>
<td class="num" data-sort="${r.meanTestAccuracy}">${percent(r.meanTestAccuracy)}</td>
<td class="num">${r.low === null || r.high === null ? '' : `[${percent(r.low)}, ${percent(r.high)}]`}</td>
<td>${INTERVALS[r.interval]}</td>
<td class="num">${r.repeats}</td>
<td class="num" data-sort="${r.sd ?? ''}">${r.sd === null ? '' : (r.sd * 100).toFixed(2)}</td>
<td class="num" data-sort="${r.params}">${compact(r.params)}</td>
<td class="num" data-sort="${r.flops}">${compact(r.flops)}</td>
<td>${r.leader ? 'leader' : r.tied ? `tied (p=${r.p?.toFixed(3)})` : `behind (p=${r.p?.toFixed(3)})`}</td>
<td>${r.pareto ? 'yes' : ''}</td>
</tr>`,
  );
  return html`<h2>Final evaluation <a href="/runs/${encodeURIComponent(board.finalId)}">${board.finalId}</a></h2>
<p class="note">Test accuracy on ${board.protocol?.testSize ?? '?'} images, mean over repeats with its 95% interval; protocol ${board.protocolHash}. "tied": not significantly different from the leader (5%, two-sided).</p>
<table id="final-table" class="sortable">
<thead><tr><th class="num">rank</th><th>architecture</th><th>kind</th><th class="num">mean test acc</th><th class="num">95% interval</th><th>interval</th><th class="num">repeats</th><th class="num">sd (points)</th><th class="num">params</th><th class="num">FLOPs</th><th>vs leader</th><th>Pareto (FLOPs)</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}
