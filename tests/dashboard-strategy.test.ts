/** The run page's strategy section shows only what the database records: rewards of a non-accuracy objective, halving levels. */
import { describe, expect, it } from 'vitest';
import type { RunTrial } from '../db/queries/dashboard-trials.ts';
import { strategySummary } from '../dashboard/pages/strategy-summary.ts';

const trial = (i: number, fields: Partial<RunTrial>): RunTrial =>
  ({
    id: `s/${i}`,
    trialIndex: i,
    status: 'succeeded',
    reward: null,
    valAccuracy: 0.8,
    fidelity: 0,
    ...fields,
  }) as RunTrial;

describe('strategy summary', () => {
  it('plots one reward mark per rewarded trial under an MnasNet objective', () => {
    const trials = [
      trial(0, { reward: 0.71 }),
      trial(1, { reward: 0.74 }),
      trial(2, { status: 'failed', valAccuracy: null }),
      trial(3, { reward: 0.69 }),
    ];
    const text = strategySummary(
      {
        strategy: { name: 'reinforce', controllerLr: 0.01 },
        reward: { objective: 'mnas', cost: 'flops', target: 1e6, w: -0.07 },
      },
      trials,
    ).text;
    expect(text).toContain('id="reward-chart"');
    expect(text.match(/ecmeta_series_index="0" ecmeta_data_index="\d+" ecmeta_ssr_type="chart"/g)).toHaveLength(3);
    expect(text).toContain('controllerLr');
  });

  it("charts the strategy's measured quantities as each trial was proposed, not its counters", () => {
    const summary = (i: number) => ({
      proposed: i + 1,
      updates: Math.floor(i / 2),
      entropyPerDecision: i < 2 ? 'none' : 2.5 - i / 10,
    });
    const trials = [0, 1, 2, 3, 4].map((i) => trial(i, { strategySummary: summary(i) }));
    const text = strategySummary({ strategy: { name: 'reinforce' }, reward: { objective: 'accuracy' } }, trials).text;
    expect(text).toContain('id="strategy-entropyPerDecision"');
    expect(text).not.toContain('id="strategy-proposed"');
    expect(text).not.toContain('id="strategy-updates"');
    const chart = text.slice(text.indexOf('id="strategy-entropyPerDecision"'));
    expect(
      chart
        .slice(0, chart.indexOf('</figure>'))
        .match(/ecmeta_series_index="0" ecmeta_data_index="\d+" ecmeta_ssr_type="chart"/g),
    ).toHaveLength(3);
  });

  it('draws no reward chart for plain accuracy, and counts trials per fidelity level under successive halving', () => {
    const trials = [
      trial(0, { fidelity: 0 }),
      trial(1, { fidelity: 0, valAccuracy: 0.9 }),
      trial(2, { fidelity: 1, valAccuracy: 0.85 }),
    ];
    const text = strategySummary(
      { strategy: { name: 'random', halving: { eta: 2, levels: 2 } }, reward: { objective: 'accuracy' } },
      trials,
    ).text;
    expect(text).not.toContain('reward-chart');
    const rows = [
      ...text.matchAll(
        /<tr><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><td class="num">([^<]*)<\/td><\/tr>/g,
      ),
    ].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['0', '2', '2', '90.00%'],
      ['1', '1', '1', '85.00%'],
    ]);
  });
});
