/**
 * What the results database records of a run's strategy: its configuration and objective, its
 * summary as each candidate was proposed (a controller's entropy, a population's mean reward), each
 * trial's reward when the objective is not plain accuracy, and the trials per fidelity level of a
 * successive-halving search.
 */
import type { Trial } from '../../db/queries/trials.ts';
import { percent } from '../format.ts';
import { html, type Html } from '../html.ts';
import { boundedSample, MAX_DRAWN_POINTS, sampleNote } from '../render/sample-points.ts';
import { chartFigure } from './figure.ts';

/** What the section reads of each trial. */
type StrategyTrial = Pick<Trial, 'id' | 'trialIndex' | 'reward' | 'strategySummary' | 'fidelity' | 'valAccuracy'>;

interface RecordedStrategy {
  strategy?: Record<string, unknown> & { name?: string; halving?: { levels?: number } | null };
  reward?: { objective?: string } & Record<string, unknown>;
}

function facts(record: Record<string, unknown>): Html {
  const entries = Object.entries(record).filter(([, v]) => v !== null && v !== undefined);
  return html`<dl class="facts">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>`)}</dl>`;
}

/** Each trial's reward (every new best and, past the bound, a fixed sample of the rest) and the best so far over all of them. */
function rewardChart(trials: StrategyTrial[]): Html {
  const rewarded = trials.filter((t) => t.reward !== null);
  const newBests = new Set<StrategyTrial>();
  let best = -Infinity;
  for (const t of rewarded) {
    if (t.reward! > best) newBests.add(t);
    best = Math.max(best, t.reward!);
  }
  const drawn = boundedSample(
    rewarded,
    MAX_DRAWN_POINTS,
    (t) => t.id,
    (t) => newBests.has(t),
  );
  const last = rewarded[rewarded.length - 1];
  let front = -Infinity;
  const line = [...newBests, ...(last && !newBests.has(last) ? [last] : [])].map((t) => ({
    x: t.trialIndex,
    y: (front = Math.max(front, t.reward!)),
  }));
  return chartFigure(
    'reward-chart',
    {
      xLabel: 'trial index',
      yLabel: 'reward',
      height: 320,
      series: [
        {
          name: 'reward',
          kind: 'scatter',
          points: drawn.map((t) => ({
            x: t.trialIndex,
            y: t.reward!,
            href: `/trials/${encodeURIComponent(t.id)}`,
            tip: `trial ${t.trialIndex}: reward ${t.reward!.toFixed(4)}`,
          })),
        },
        { name: 'best so far', kind: 'step', noMarkers: true, points: line },
      ],
    },
    `The reward the strategy learned from, per trial (the objective below).${sampleNote(drawn.length, rewarded.length, 'every new best', 'rewards')}`,
  );
}

/**
 * The summary's measured quantities over the search, one chart each: the fields that take a
 * fractional value in some trial (entropy, baseline, mean reward), not counters such as `proposed`.
 * Past the bound, each line runs through its first and last trial and a fixed sample of the rest.
 */
function stateCharts(trials: StrategyTrial[]): Html[] {
  const recorded = trials.filter((t) => t.strategySummary);
  const fields = [...new Set(recorded.flatMap((t) => Object.keys(t.strategySummary!)))].filter((field) =>
    recorded.some((t) => typeof t.strategySummary![field] === 'number' && !Number.isInteger(t.strategySummary![field])),
  );
  return fields.map((field) => {
    const measured = recorded.filter((t) => typeof t.strategySummary![field] === 'number');
    const ends = new Set([measured[0], measured[measured.length - 1]]);
    const drawn = boundedSample(
      measured,
      MAX_DRAWN_POINTS,
      (t) => t.id,
      (t) => ends.has(t),
    );
    const points = drawn.map((t) => ({
      x: t.trialIndex,
      y: t.strategySummary![field] as number,
      href: `/trials/${encodeURIComponent(t.id)}`,
      tip: `trial ${t.trialIndex}: ${field} ${(t.strategySummary![field] as number).toFixed(4)}`,
    }));
    return chartFigure(
      `strategy-${field}`,
      {
        xLabel: 'trial index',
        yLabel: field,
        xIntegers: true,
        height: 220,
        series: [{ name: field, kind: 'line', points }],
      },
      `The strategy's ${field} as it proposed each trial.${sampleNote(drawn.length, measured.length, 'the first, the last', 'trials')}`,
    );
  });
}

function fidelityTable(trials: StrategyTrial[], levels: number): Html {
  const rows = Array.from({ length: levels }, (_, level) => {
    const at = trials.filter((t) => t.fidelity === level);
    const results = at.filter((t) => t.valAccuracy !== null).map((t) => t.valAccuracy!);
    return html`<tr><td class="num">${level}</td><td class="num">${at.length}</td><td class="num">${results.length}</td><td class="num">${results.length ? percent(Math.max(...results)) : ''}</td></tr>`;
  });
  return html`<table><thead><tr><th class="num">fidelity level</th><th class="num">trials</th><th class="num">with a result</th><th class="num">best val acc</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function strategySummary(config: unknown, trials: StrategyTrial[]): Html {
  const recorded = (config ?? {}) as RecordedStrategy;
  const { halving, ...strategy } = recorded.strategy ?? {};
  const objective = recorded.reward?.objective ?? 'accuracy';
  const levels = halving?.levels ?? 1;
  return html`<h2>Strategy</h2>
${recorded.strategy ? facts(strategy) : html`<p class="note">This run records no strategy.</p>`}
${recorded.reward ? html`<h3>Objective</h3>${facts(recorded.reward)}` : ''}
${stateCharts(trials)}
${objective !== 'accuracy' && trials.some((t) => t.reward !== null) ? rewardChart(trials) : ''}
${levels > 1 ? html`<h3>Successive halving</h3>${facts(halving as Record<string, unknown>)}${fidelityTable(trials, levels)}` : ''}
<p class="note">The results database records the strategy's choices (the trials), its summary as it proposed each${objective !== 'accuracy' ? ' and the reward of each' : ''}; its full state (a controller's weights, a population) lives in the workflow's history in Temporal.</p>`;
}
