/** A run's page: progress, best so far, accuracy against cost with the baselines, learning curves, strategy, trials, final evaluation. */
import type { Database } from '../../db/client.ts';
import { finalLeaderboard } from '../../db/queries/final-leaderboard.ts';
import { listOtherRunsBaselines } from '../../db/queries/dashboard-baselines.ts';
import { leaderboardScope } from '../../db/queries/leaderboard-scope.ts';
import { listTrialPage, trialTableFacts, type TrialTableFacts } from '../../db/queries/dashboard-trial-page.ts';
import { listRunTrialPoints, type RunTrialPoint } from '../../db/queries/dashboard-trial-points.ts';
import { listCurves } from '../../db/queries/dashboard-trials.ts';
import { getSearch, type Search } from '../../db/queries/searches.ts';
import { sharingRounds } from '../../db/queries/sharing-rounds.ts';
import { percent, timestamp } from '../format.ts';
import { html, type Html } from '../html.ts';
import { liveSection, type LiveSection } from '../live-sections.ts';
import {
  bestSoFarSpec,
  learningCurvesSpec,
  paretoSpec,
  type BaselinePoint,
  type ResultPoint,
} from '../render/search-charts.ts';
import { sampleNote } from '../render/sample-points.ts';
import { chartFigure } from './figure.ts';
import { finalTable } from './final-table.ts';
import { strategySummary } from './strategy-summary.ts';
import { runViewQuery, type RunView } from './run-view.ts';
import { sharingRoundsSection } from './sharing-rounds.ts';
import { trialTable } from './trial-table.ts';

export interface RunPageOptions {
  temporalUiUrl?: string;
  /** Rows of the trial table per page. */
  trialsPerPage: number;
}

export interface RunPage {
  title: string;
  sections: LiveSection[];
  events: string;
}

const CURVES_SHOWN = 10;

const hasResult = (t: RunTrialPoint) => (t.status === 'succeeded' || t.status === 'reused') && t.valAccuracy !== null;

/** The run's trials with a validation accuracy under the protocols its leaderboard ranks. */
function withResults(trials: RunTrialPoint[], protocolHashes: string[]): RunTrialPoint[] {
  return trials.filter(hasResult).filter((t) => protocolHashes.length === 0 || protocolHashes.includes(t.protocolHash));
}

/** The run's candidates (not its baseline trainings, which are drawn as baselines). */
function resultPoints(trials: RunTrialPoint[], protocolHashes: string[]): ResultPoint[] {
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

/**
 * The baselines this run trained (a baselines run, the baselines of a final evaluation) and those
 * other runs trained under its protocol, but for an architecture this run has a result of itself.
 */
async function baselinePoints(
  db: Database,
  run: Search,
  trials: RunTrialPoint[],
  protocolHashes: string[],
): Promise<BaselinePoint[]> {
  const withResult = withResults(trials, protocolHashes);
  const own = withResult
    .filter((t) => t.role === 'baseline')
    .map((t) => ({
      name: t.baselineLabel ?? t.id,
      trialId: t.id,
      valAccuracy: t.valAccuracy!,
      params: t.params,
      flops: t.flops,
    }));
  const ownArchitectures = new Set(withResult.map((t) => t.archHash));
  const others = (await listOtherRunsBaselines(db, run.id, protocolHashes)).filter(
    (b) => !ownArchitectures.has(b.archHash),
  );
  return [...own, ...others];
}

function summary(run: Search, trials: RunTrialPoint[], facts: TrialTableFacts, temporalUiUrl?: string): Html {
  const running = facts.counts.get('running') ?? 0;
  const done = facts.total - running - (facts.counts.get('queued') ?? 0);
  const best = trials
    .filter(hasResult)
    .reduce<RunTrialPoint | undefined>(
      (best, t) => (best === undefined || t.valAccuracy! > best.valAccuracy! ? t : best),
      undefined,
    );
  return html`<dl class="facts">
<dt>kind</dt><dd>${run.kind}</dd>
<dt>status</dt><dd class="status status-${run.status}" id="run-status">${run.status}</dd>
<dt>progress</dt><dd><span id="trials-done">${done}</span> of ${run.trialsRequested} trials done${running ? `, ${running} running` : ''}</dd>
<dt>best val acc</dt><dd>${best ? html`<a href="/trials/${encodeURIComponent(best.id)}">${percent(best.valAccuracy)}</a> (trial ${best.trialIndex})` : 'none yet'}</dd>
<dt>space / strategy / seed</dt><dd>${run.space} / ${run.strategy} / ${run.seed}</dd>
${screening(run)}
<dt>created / finished</dt><dd>${timestamp(run.createdAt)} / ${timestamp(run.finishedAt) || '—'}</dd>
${run.error ? html`<dt>error</dt><dd class="error">${run.error}</dd>` : ''}
${temporalUiUrl ? html`<dt>workflow</dt><dd><a id="temporal-link" href="${temporalUiUrl.replace(/\/+$/, '')}/namespaces/default/workflows/${encodeURIComponent(run.id)}">open in the Temporal UI</a></dd>` : ''}
</dl>`;
}

/** A screening search's estimator and proposals (`--screen`): each trial's score is in the trial table. */
function screening(run: Search): Html | '' {
  const screen = (run.config as { screen?: { estimator?: string; candidates?: number } } | null)?.screen;
  if (!screen?.estimator) return '';
  return html`<dt>screening</dt><dd id="run-screening">${screen.estimator} scored ${String(screen.candidates)} proposals; the ${String(run.trialsRequested)} best by score are trained, best first (trial table: screen score)</dd>`;
}

function charts(results: ResultPoint[], baselines: BaselinePoint[], view: RunView, fidelityNote: string): Html {
  const { cost } = view;
  const other = cost === 'params' ? 'flops' : 'params';
  const byIndex = bestSoFarSpec(results, 'index');
  const byTime = bestSoFarSpec(results, 'time');
  const pareto = paretoSpec(results, baselines, cost);
  const newBests = 'every new best';
  return html`<h2>Best so far</h2>
<div class="charts">
${chartFigure('best-by-index', byIndex, `Validation accuracy of each result and the best so far, by trial index${fidelityNote}.${sampleNote(byIndex.drawnResults, byIndex.totalResults, newBests)}`)}
${chartFigure('best-by-time', byTime, `The same against the time each trial finished.${sampleNote(byTime.drawnResults, byTime.totalResults, newBests)}`)}
</div>
<h2>Accuracy against ${cost === 'params' ? 'parameters' : 'FLOPs'}</h2>
<p class="note">Show against <a href="${runViewQuery(view, { cost: other })}">${other === 'params' ? 'parameters' : 'FLOPs'}</a>. Baselines: hand-designed networks trained under the same protocol (any run).</p>
${chartFigure('pareto', pareto, `${results.length} results of this run${fidelityNote}, ${baselines.length} baselines; the dashed line is the Pareto front.${sampleNote(pareto.drawnResults, pareto.totalResults, 'every result on the front')}`)}`;
}

async function curves(db: Database, trials: RunTrialPoint[]): Promise<Html> {
  const best = trials
    .filter((t) => t.valAccuracy !== null && t.status !== 'reused')
    .sort((a, b) => b.valAccuracy! - a.valAccuracy!)
    .slice(0, CURVES_SHOWN);
  const byTrial = await listCurves(
    db,
    best.map((t) => t.id),
  );
  const shown = best.filter((t) => (byTrial.get(t.id) ?? []).length > 0);
  return html`<h2>Learning curves</h2>
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
}`;
}

async function finalSection(db: Database, run: Search): Promise<LiveSection[]> {
  const searchId = run.kind === 'final' ? String((run.config as { searchId?: string }).searchId ?? '') : run.id;
  if (run.kind !== 'final' && run.kind !== 'search') return [];
  const board = await finalLeaderboard(db, searchId, run.kind === 'final' ? run.id : undefined);
  return board ? [liveSection('final', finalTable(board))] : [];
}

const TITLES = { search: 'Search', final: 'Final evaluation', reference: 'Reference build' } as Record<string, string>;

/** The run page's sections for the view its query asks for; null when no such run is recorded. */
export async function runPage(
  db: Database,
  id: string,
  view: RunView,
  options: RunPageOptions,
): Promise<RunPage | null> {
  const run = await getSearch(db, id);
  if (!run) return null;
  const points = await listRunTrialPoints(db, id);
  const facts = await trialTableFacts(db, id);
  const scope = await leaderboardScope(db, id);
  const tablePage = await listTrialPage(db, id, {
    sort: view.sort,
    direction: view.direction,
    state: view.state,
    offset: (view.page - 1) * options.trialsPerPage,
    limit: options.trialsPerPage,
  });
  const results = resultPoints(points, scope.protocolHashes);
  const baselines = await baselinePoints(db, run, points, scope.protocolHashes);
  const fidelityNote = scope.levels > 1 ? ` (the final fidelity level, ${scope.fidelity})` : '';
  return {
    title: `${TITLES[run.kind] ?? 'Baselines'} ${run.id}`,
    sections: [
      liveSection('summary', summary(run, points, facts, options.temporalUiUrl)),
      ...(await finalSection(db, run)),
      liveSection('charts', charts(results, baselines, view, fidelityNote)),
      liveSection('curves', await curves(db, points)),
      ...(run.kind === 'search' ? [liveSection('strategy', strategySummary(run.config, points))] : []),
      ...(run.strategy === 'enas' ? [liveSection('sharing', sharingRoundsSection(await sharingRounds(db, id)))] : []),
      liveSection('trials', trialTable(tablePage, facts, view, options.trialsPerPage)),
    ],
    events: `/events/runs/${encodeURIComponent(run.id)}`,
  };
}
