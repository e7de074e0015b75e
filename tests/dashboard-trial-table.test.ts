/** The run page's trial table shows a reward column only when its trials carry a reward. */
import { describe, expect, it } from 'vitest';
import type { RunTrial } from '../db/queries/dashboard-trials';
import { trialTable } from '../dashboard/pages/trial-table';

const trial = (i: number, reward: number | null) =>
  ({ id: `s/${i}`, trialIndex: i, status: 'succeeded', reward, valAccuracy: 0.8, testAccuracy: 0.79, params: 1000, flops: 2000, fidelity: 0, trainSeconds: 3, role: 'search', worker: 'w', finishedAt: null, baselineName: null, description: 'N[...]' }) as unknown as RunTrial;

const headers = (text: string) => [...text.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
const firstRowCells = (text: string) => text.slice(text.indexOf('<tr data-status')).split('</tr>')[0].match(/<td/g)!.length;

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
});
