/**
 * `--finalize-top` flags become the search request's finalize step with the default final protocol;
 * the finalize validator names fields; the final leaderboard's JSON and CSV carry the same fields.
 */
import { describe, expect, it } from 'vitest';
import type { SearchProgress } from '../workflows/signals.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { renderFinalLeaderboard } from '../cli/final-report.ts';
import { progressLine } from '../cli/progress.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import type { FinalLeaderboard } from '../db/queries/final-leaderboard.ts';
import { defaultFinalProtocol, finalIdOf, finalizeRequestOf, finalPlan } from '../search/final.ts';
import { validateFinalizeRequest } from '../search/validate-request.ts';

const request = (...argv: string[]) =>
  searchRequestFromFlags(parseCommandLine(['search', 'start', ...argv]).input.flags, { checkData: false });

describe('finalize requests', () => {
  it('--finalize-top K asks for K candidates, 3 repeats and the default final protocol', () => {
    const search = request(
      '--id',
      'fin-flags',
      '--finalize-top',
      '2',
      '--finalize-baselines',
      'lenet5,resnet20',
      '--epochs',
      '3',
      '--seed',
      '9',
    );
    expect(search.finalize).toMatchObject({
      top: 2,
      repeats: 3,
      protocol: { trainSize: 55000, valSize: 5000, testSize: 10000, epochs: 3, seed: 9 },
    });
    expect(search.finalize!.baselines.map((b) => b.name)).toEqual(['lenet5', 'resnet20']);
    expect(defaultFinalProtocol(search.protocol)).toEqual(search.finalize!.protocol);
    const final = finalizeRequestOf({ ...search, finalize: search.finalize! });
    expect(final.finalId).toBe(finalIdOf('fin-flags', search.finalize!));
    expect(final.finalId).toMatch(/^fin-flags-final-[0-9a-f]{8}$/);
    validateFinalizeRequest(final);
    // Trial indices are fixed by K and R: candidate k repeat r is kR + r, baselines after all K slots.
    const plan = finalPlan(final, [{ archHash: 'a', architecture: final.baselines[0].architecture }]);
    expect(plan.map((t) => [t.trialIndex, t.role, t.seed])).toEqual([
      [0, 'final', 9],
      [1, 'final', 10],
      [2, 'final', 11],
      [6, 'baseline', 9],
      [7, 'baseline', 10],
      [8, 'baseline', 11],
      [9, 'baseline', 9],
      [10, 'baseline', 10],
      [11, 'baseline', 11],
    ]);
    expect(request('--id', 'fin-none').finalize).toBeUndefined();
  });

  it('--finalize-<protocol flag> replaces that field of the final protocol only', () => {
    const search = request(
      '--id',
      'fin-own',
      '--finalize-top',
      '3',
      '--finalize-train-size',
      '4000',
      '--finalize-epochs',
      '2',
      '--epochs',
      '1',
    );
    expect(search.protocol.epochs).toBe(1);
    expect(search.finalize!.protocol).toEqual({ ...defaultFinalProtocol(search.protocol), trainSize: 4000, epochs: 2 });
  });

  it.each([
    [['--finalize-repeats', '2'], /--finalize-repeats: applies with --finalize-top K only/],
    [['--finalize-top', '2', '--finalize-baselines', 'lenet6'], /--finalize-baselines: unknown baseline "lenet6"/],
    [['--finalize-top', '0'], /--finalize-top/],
    [['--finalize-epochs', '2'], /--finalize-epochs: applies with --finalize-top K only/],
    [
      ['--finalize-top', '2', '--finalize-batch-size', '0'],
      /^--finalize-batch-size: \(the final protocol of --finalize-top\) must be/,
    ],
    [['--finalize-top', '2', '--finalize-test-size', '10001'], /^--finalize-test-size: /],
  ])('rejects %j', (argv, message) => {
    expect(() => request(...argv)).toThrow(message);
  });

  it('the validator names the field', () => {
    const search = request('--id', 'fin-valid', '--finalize-top', '2');
    const final = finalizeRequestOf({ ...search, finalize: search.finalize! });
    expect(() => validateFinalizeRequest({ ...final, repeats: 0 })).toThrow(/^repeats: must be an integer in 1\.\.100/);
    expect(() => validateFinalizeRequest({ ...final, finalId: final.searchId })).toThrow(/^finalId: must differ/);
    expect(() => validateFinalizeRequest({ ...final, protocol: { ...final.protocol, testSize: 10001 } })).toThrow(
      /^protocol\.testSize/,
    );
  });

  it('JSON and CSV of the final leaderboard carry the same fields', () => {
    const board: FinalLeaderboard = {
      searchId: 's',
      finalId: 's-final-1',
      protocolHash: 'p',
      protocol: null,
      rows: [
        {
          rank: 1,
          kind: 'baseline',
          name: 'lenet5',
          archHash: 'a0',
          meanTestAccuracy: 0.9,
          low: 0.88,
          high: 0.92,
          interval: 'student-t',
          repeats: 3,
          sd: 0.01,
          testAccuracies: [0.89, 0.9, 0.91],
          seeds: [1, 2, 3],
          testSize: 10000,
          params: 61706,
          flops: 416520,
          tied: true,
          leader: true,
          p: null,
          test: 'leader',
          pareto: true,
        },
      ],
    };
    const json = JSON.parse(renderFinalLeaderboard(board, 'json')) as FinalLeaderboard;
    const csvHeader = renderFinalLeaderboard(board, 'csv').split('\n')[0].split(',');
    expect(csvHeader).toEqual(Object.keys(json.rows[0]));
    expect(renderFinalLeaderboard(board, 'csv').split('\n')[1]).toBe(
      '1,baseline,lenet5,a0,0.9,0.88,0.92,student-t,3,0.01,"[0.89,0.9,0.91]","[1,2,3]",10000,61706,416520,true,true,,leader,true',
    );
    expect(renderFinalLeaderboard(board, 'table')).toMatch(/Student-t[\s\S]*Welch's t-test/);
    expect(renderFinalLeaderboard(board, 'markdown')).toMatch(/\| 90\.00% \[88\.0, 92\.0\] \|/);
  });

  /** A search of 4 trials, 2 in parallel, as the workflow's progress query reports it. */
  const progressOf = (done: number, change: Partial<SearchProgress>): SearchProgress => ({
    searchId: 's',
    trials: 4,
    parallel: 2,
    dispatched: done,
    running: [],
    counts: { succeeded: done },
    best: null,
    paused: false,
    stopping: false,
    finished: false,
    strategy: {},
    ...change,
  });

  it("a search's status line says when its final evaluation runs", () => {
    const progress = progressOf(4, { strategy: { stage: 'finalizing', finalId: 's-final-1' } });
    expect(progressLine(progress)).toMatch(/4\/4 trials.*final evaluation s-final-1 running$/);
    expect(progressLine(progress, 10)).toMatch(/final evaluation s-final-1 running, elapsed 10s, ETA \?$/);
  });

  it('a paused search says so, in status reports and in the lines a follower compares', () => {
    const paused = progressOf(2, { paused: true });
    expect(progressLine(paused)).toBe('[##########----------] 2/4 trials, 0 running, best val -, paused');
    expect(progressLine(paused, 60)).toBe(
      '[##########----------] 2/4 trials, 0 running, best val -, paused, elapsed 1m00s, ETA 1m00s',
    );
  });
});
