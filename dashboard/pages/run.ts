/** A run's page: progress, best so far, accuracy against cost with the baselines, learning curves, strategy, trials, final evaluation. */
import type { Database } from '../../db/client';
import { finalLeaderboard } from '../../db/queries/final-leaderboard';
import { leaderboard } from '../../db/queries/leaderboard';
import { leaderboardScope } from '../../db/queries/leaderboard-scope';
import { listCurves, listRunTrials, type RunTrial } from '../../db/queries/dashboard-trials';
import { getSearch, type Search } from '../../db/queries/searches';
import { percent, timestamp } from '../format';
import { html, type Html } from '../html';
import { page } from '../layout';
import {
  bestSoFarSpec,
  learningCurvesSpec,
  paretoSpec,
  type BaselinePoint,
  type ResultPoint,
} from '../render/search-charts';
import { chartFigure } from './figure';
import { finalTable } from './final-table';
import { strategySummary } from './strategy-summary';
import { trialTable } from './trial-table';

export interface RunPageOptions {
  temporalUiUrl?: string;
  cost: 'params' | 'flops';
}

const CURVES_SHOWN = 10;

/** The run's trials with a validation accuracy under the protocols its leaderboard ranks. */
function withResults(trials: RunTrial[], protocolHashes: string[]): RunTrial[] {
  return trials
    .filter((t) => (t.status === 'succeeded' || t.status === 'reused') && t.valAccuracy !== null)
    .filter((t) => protocolHashes.length === 0 || protocolHashes.includes(t.protocolHash));
}

/** The run's candidates (not its baseline trainings, which are drawn as baselines). */
function resultPoints(trials: RunTrial[], protocolHashes: string[]): ResultPoint[] {
  return withResults(trials, protocolHashes)
    .filter((t) => t.role !== 'baseline')
    .map((t) => ({
      trialId: t.id,
      trialIndex: t.trialIndex,
      valAccuracy: t.valAccuracy!,
      params: t.params,
      flops: t.flops,
      finishedAt: t.finishedAt?.getTime() ?? null,
      status: t.status as ResultPoint['status'],
    }));
}

/** The baselines this run trained (a baselines run, the baselines of a final evaluation) and those other runs trained under its protocol. */
async function baselinePoints(
  db: Database,
  run: Search,
  trials: RunTrial[],
  protocolHashes: string[],
): Promise<BaselinePoint[]> {
  const ownIds = new Set(trials.map((t) => t.id));
  const own = withResults(trials, protocolHashes)
    .filter((t) => t.role === 'baseline')
    .map((t) => ({
      name: t.baselineName ?? t.description,
      trialId: t.id,
      valAccuracy: t.valAccuracy!,
      params: t.params,
      flops: t.flops,
    }));
  const rows = await leaderboard(db, { searchId: run.id, top: 100_000, includeBaselines: true });
  const others = rows
    .filter((r) => r.kind === 'baseline' && !ownIds.has(r.trialId) && r.valAccuracy !== null)
    .map((r) => ({ name: r.name, trialId: r.trialId, valAccuracy: r.valAccuracy!, params: r.params, flops: r.flops }));
  return [...own, ...others];
}

function summary(run: Search, trials: RunTrial[], temporalUiUrl?: string): Html {
  const done = trials.filter((t) => t.status !== 'queued' && t.status !== 'running').length;
  const running = trials.filter((t) => t.status === 'running').length;
  const best = trials
    .filter((t) => (t.status === 'succeeded' || t.status === 'reused') && t.valAccuracy !== null)
    .sort((a, b) => b.valAccuracy! - a.valAccuracy!)[0];
  return html`<section id="summary" data-live>
<dl class="facts">
<dt>kind</dt><dd>${run.kind}</dd>
<dt>status</dt><dd class="status status-${run.status}" id="run-status">${run.status}</dd>
<dt>progress</dt><dd><span id="trials-done">${done}</span> of ${run.trialsRequested} trials done${running ? `, ${running} running` : ''}</dd>
<dt>best val acc</dt><dd>${best ? html`<a href="/trials/${encodeURIComponent(best.id)}">${percent(best.valAccuracy)}</a> (trial ${best.trialIndex})` : 'none yet'}</dd>
<dt>space / strategy / seed</dt><dd>${run.space} / ${run.strategy} / ${run.seed}</dd>
<dt>created / finished</dt><dd>${timestamp(run.createdAt)} / ${timestamp(run.finishedAt) || '—'}</dd>
${run.error ? html`<dt>error</dt><dd class="error">${run.error}</dd>` : ''}
${temporalUiUrl ? html`<dt>workflow</dt><dd><a id="temporal-link" href="${temporalUiUrl.replace(/\/+$/, '')}/namespaces/default/workflows/${encodeURIComponent(run.id)}">open in the Temporal UI</a></dd>` : ''}
</dl>
</section>`;
}

function charts(
  results: ResultPoint[],
  baselines: BaselinePoint[],
  cost: 'params' | 'flops',
  fidelityNote: string,
): Html {
  const other = cost === 'params' ? 'flops' : 'params';
  return html`<section id="charts" data-live>
<h2>Best so far</h2>
<div class="charts">
${chartFigure('best-by-index', bestSoFarSpec(results, 'index'), `Validation accuracy of each result and the best so far, by trial index${fidelityNote}.`)}
${chartFigure('best-by-time', bestSoFarSpec(results, 'time'), `The same against the time each trial finished.`)}
</div>
<h2>Accuracy against ${cost === 'params' ? 'parameters' : 'FLOPs'}</h2>
<p class="note">Show against <a href="?cost=${other}">${other === 'params' ? 'parameters' : 'FLOPs'}</a>. Baselines: hand-designed networks trained under the same protocol (any run).</p>
${chartFigure('pareto', paretoSpec(results, baselines, cost), `${results.length} results of this run${fidelityNote}, ${baselines.length} baselines; the dashed line is the Pareto front.`)}
</section>`;
}

async function curves(db: Database, trials: RunTrial[]): Promise<Html> {
  const best = trials
    .filter((t) => t.valAccuracy !== null && t.status !== 'reused')
    .sort((a, b) => b.valAccuracy! - a.valAccuracy!)
    .slice(0, CURVES_SHOWN);
  const byTrial = await listCurves(
    db,
    best.map((t) => t.id),
  );
  const shown = best.filter((t) => (byTrial.get(t.id) ?? []).length > 0);
  return html`<section id="curves" data-live>
<h2>Learning curves</h2>
${
  shown.length === 0
    ? html`<p class="note">No per-epoch results recorded for this run's trials.</p>`
    : chartFigure(
        'learning-curves',
        learningCurvesSpec(
          shown.map((t) => ({ trialId: t.id, label: `trial ${t.trialIndex}`, epochs: byTrial.get(t.id)! })),
        ),
        `Validation accuracy per epoch of the ${shown.length} best trials that trained here (each trial's page has its own curve).`,
      )
}
</section>`;
}

async function finalSection(db: Database, run: Search): Promise<Html> {
  const searchId = run.kind === 'final' ? String((run.config as { searchId?: string }).searchId ?? '') : run.id;
  if (run.kind !== 'final' && run.kind !== 'search') return html``;
  const board = await finalLeaderboard(db, searchId, run.kind === 'final' ? run.id : undefined);
  return board ? finalTable(board) : html``;
}

export async function runPage(db: Database, id: string, options: RunPageOptions): Promise<string | null> {
  const run = await getSearch(db, id);
  if (!run) return null;
  const trials = await listRunTrials(db, id);
  const scope = await leaderboardScope(db, id);
  const results = resultPoints(trials, scope.protocolHashes);
  const baselines = await baselinePoints(db, run, trials, scope.protocolHashes);
  const fidelityNote = scope.levels > 1 ? ` (the final fidelity level, ${scope.fidelity})` : '';
  const body = html`${summary(run, trials, options.temporalUiUrl)}
${await finalSection(db, run)}
${charts(results, baselines, options.cost, fidelityNote)}
${await curves(db, trials)}
${run.kind === 'search' ? strategySummary(run.config, trials) : ''}
${trialTable(trials)}`;
  return page({
    title: `${run.kind === 'search' ? 'Search' : run.kind === 'final' ? 'Final evaluation' : run.kind === 'reference' ? 'Reference build' : 'Baselines'} ${run.id}`,
    body,
    events: `/events/runs/${encodeURIComponent(run.id)}`,
  });
}
