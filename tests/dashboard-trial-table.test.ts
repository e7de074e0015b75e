/** The run page's trial table shows reward, screen score, latency and kept-weights columns only when its trials carry them. */
import { describe, expect, it } from 'vitest';
import type { RunTrial } from '../db/queries/dashboard-trials.ts';
import { trialTable as renderTable } from '../dashboard/pages/trial-table.ts';
import { DEFAULT_RUN_VIEW } from '../dashboard/pages/run-view.ts';

const trial = (i: number, reward: number | null, more: Partial<RunTrial> = {}) =>
  ({
    id: `s/${i}`,
    trialIndex: i,
    status: 'succeeded',
    reward,
    valAccuracy: 0.8,
    testAccuracy: 0.79,
    params: 1000,
    flops: 2000,
    fidelity: 0,
    trainSeconds: 3,
    role: 'search',
    worker: 'w',
    finishedAt: null,
    baselineName: null,
    description: 'N[...]',
    latencyMs: null,
    weightsKept: false,
    strategySummary: null,
    ...more,
  }) as unknown as RunTrial;

/** The table of these trials, on one page, with the optional columns the run's trials call for. */
const trialTable = (trials: RunTrial[]) =>
  renderTable(
    trials,
    {
      counts: new Map([['succeeded', trials.length]]),
      total: trials.length,
      rewarded: trials.some((t) => t.reward !== null),
      screened: trials.some((t) => t.strategySummary?.screenRank !== undefined),
      measured: trials.some((t) => t.latencyMs !== null),
      kept: trials.some((t) => t.weightsKept),
    },
    DEFAULT_RUN_VIEW,
    100,
  );

const headers = (text: string) => [...text.matchAll(/<th[^>]*><a[^>]*>([^<]*)<\/a><\/th>/g)].map((m) => m[1]);
const firstRowCells = (text: string) =>
  text.slice(text.indexOf('<tr data-status')).split('</tr>')[0].match(/<td/g)!.length;

describe('trial table', () => {
  it('has no reward column under plain accuracy (no trial stores one)', () => {
    const text = trialTable([trial(0, null), trial(1, null)]).text;
    expect(headers(text)).not.toContain('reward');
    expect(firstRowCells(text)).toBe(headers(text).length);
  });

  it('shows the stored reward of an MnasNet objective', () => {
    const text = trialTable([trial(0, 0.7123), trial(1, null)]).text;
    expect(headers(text)).toContain('reward');
    expect(text).toContain('>0.7123<');
    expect(firstRowCells(text)).toBe(headers(text).length);
  });

  it('has no latency or weights column when no trial has a latency or kept weights', () => {
    const text = trialTable([trial(0, null), trial(1, null)]).text;
    expect(headers(text)).not.toContain('latency');
    expect(headers(text)).not.toContain('weights');
  });

  it('shows the measured latency and marks the trials with kept weights, with their export command', () => {
    const text = trialTable([
      trial(0, null, { latencyMs: 3.0512, weightsKept: true }),
      trial(1, null, { latencyMs: 12.5 }),
    ]).text;
    expect(headers(text)).toEqual(expect.arrayContaining(['latency', 'weights']));
    expect(text).toContain('>3.05 ms<');
    expect(text).toContain('<span class="weights-kept" title="npx nas export s/0 --out model/">kept</span>');
    expect(text).not.toContain('nas export s/1 ');
    expect(firstRowCells(text)).toBe(headers(text).length);
  });

  it("shows a screening search's estimator score of each trial, its rank in the title, and none without screening", () => {
    const plain = trialTable([trial(0, null), trial(1, null)]).text;
    expect(headers(plain)).not.toContain('screen score');
    const text = trialTable([
      trial(0, null, { strategySummary: { proposed: 40, screenRank: 1, screenScore: 1234.5678 } }),
      trial(1, null, { strategySummary: { proposed: 40, screenRank: 2 } }),
    ]).text;
    expect(headers(text)).toContain('screen score');
    expect(text).toContain('title="rank 1 of the proposals scored">1235<');
    expect(text).toContain('title="rank 2 of the proposals scored"><');
    expect(firstRowCells(text)).toBe(headers(text).length);
  });
});
