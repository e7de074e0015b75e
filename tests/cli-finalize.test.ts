/**
 * The final evaluation through `nas` processes on the embedded stack (PGlite, dev server, real
 * trainings of a few hundred Fashion-MNIST images): search, finalize its best candidate and LeNet-5
 * with 2 seeds each, the final leaderboard and the fidelity report as JSON, a rerun that trains nothing;
 * `--wait --format json` prints what `nas leaderboard` prints as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FidelityReport, FinalLeaderboard } from '../db/queries/final-leaderboard.ts';
import type { LeaderboardRow } from '../db/queries/leaderboard.ts';
import { runNas } from '../harness/processes.ts';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nas-finalize-'));
});
afterAll(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

const env = () => ({ NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
const tiny = ['--val-size', '64', '--epochs', '1', '--batch-size', '32'];

describe('nas search finalize', () => {
  it('finalizes a search, shows the final leaderboard and the fidelity report; a rerun trains nothing', async () => {
    const search = await runNas(
      [
        'search',
        'start',
        '--trials',
        '2',
        '--parallel',
        '2',
        '--train-size',
        '256',
        '--test-size',
        '64',
        ...tiny,
        '--seed',
        '3',
        '--id',
        'cli-fin',
        '--wait',
        '--format',
        'json',
      ],
      env(),
    );
    expect(search.code, search.stdout + search.stderr).toBe(0);
    const results = JSON.parse(search.stdout) as { leaderboard: LeaderboardRow[]; final: FinalLeaderboard | null };
    expect(results.final).toBeNull();
    const leaderboard = await runNas(['leaderboard', '--search', 'cli-fin', '--baselines', '--format', 'json'], env());
    expect(results.leaderboard).toEqual(JSON.parse(leaderboard.stdout));
    expect(results.leaderboard.map((r) => r.kind)).toEqual(['discovered', 'discovered']);

    const finalize = [
      'search',
      'finalize',
      'cli-fin',
      '--top',
      '1',
      '--repeats',
      '2',
      '--baselines',
      'lenet5',
      '--train-size',
      '256',
      '--test-size',
      '128',
      ...tiny,
      '--parallel',
      '2',
      '--wait',
    ];
    const first = await runNas(finalize, env());
    const output = first.stdout + first.stderr;
    expect(first.code, output).toBe(0);
    expect(output).toMatch(/final evaluation cli-fin-final-[0-9a-f]{8} finished: 1 candidate\(s\), 4 succeeded/);
    expect(output).toMatch(/Student-t/);

    const board = await runNas(['leaderboard', '--search', 'cli-fin', '--final', '--format', 'json'], env());
    expect(board.code, board.stderr).toBe(0);
    const parsed = JSON.parse(board.stdout) as FinalLeaderboard;
    expect(parsed.protocol).toMatchObject({ trainSize: 256, testSize: 128, seed: 3 });
    expect(parsed.rows.map((r) => [r.kind, r.repeats, r.seeds, r.interval])).toEqual(
      expect.arrayContaining([
        ['discovered', 2, [3, 4], 'student-t'],
        ['baseline', 2, [3, 4], 'student-t'],
      ]),
    );

    const fidelity = await runNas(['search', 'fidelity', 'cli-fin', '--format', 'json'], env());
    expect(fidelity.code, fidelity.stderr).toBe(0);
    const report = JSON.parse(fidelity.stdout) as FidelityReport;
    expect(report.pairs).toHaveLength(1);
    expect(report.spearman).toBeNull();

    const again = await runNas([...finalize, '--format', 'json'], env());
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already finished/);
    expect(JSON.parse(again.stdout)).toEqual(parsed);
  }, 600_000);
});
