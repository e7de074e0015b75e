/**
 * `nas search start --strategy enas`: its flags become a sharing request or one line naming the
 * flag and the fix (exit 2); through `nas` processes on the embedded stack (a tiny shared network,
 * a few hundred Fashion-MNIST images), the search runs, `nas search status` shows its rounds and
 * `nas search finalize` retrains its best shared-weight candidate from scratch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import type { LeaderboardRow } from '../db/queries/leaderboard.ts';
import type { SharingRound } from '../db/queries/sharing-rounds.ts';
import { runNas } from '../harness/processes.ts';

const request = (...argv: string[]) =>
  searchRequestFromFlags(parseCommandLine(['search', 'start', ...argv]).input.flags, { checkData: false });

describe('search start --strategy enas flags', () => {
  it('build a sharing request: rounds x candidates trials, the controller or uniform draws as sampler', () => {
    const built = request(
      '--strategy',
      'enas',
      '--sharing-rounds',
      '4',
      '--sharing-candidates',
      '5',
      '--sharing-steps',
      '20',
      '--sharing-warmup',
      '1',
      '--sharing-lr',
      '0.1',
      '--controller-lr',
      '0.01',
    );
    expect(built.sharing).toEqual({
      arm: 'reinforce',
      rounds: 4,
      stepsPerRound: 20,
      candidates: 5,
      warmupRounds: 1,
      learningRate: 0.1,
      validationBatches: 2,
    });
    expect(built).toMatchObject({ trials: 20, parallel: 1 });
    expect(built.strategy).toEqual({
      name: 'reinforce',
      dedup: false,
      reinforce: { batchSize: 5, learningRate: 0.01 },
    });
    expect(built.searchId).toMatch(/^nasnet-enas-s/);
    expect(request('--strategy', 'enas', '--sharing-arm', 'uniform').strategy).toEqual({
      name: 'random',
      dedup: false,
    });
  });

  it.each([
    [['--strategy', 'enas', '--sharing-rounds', '0'], /^--sharing-rounds: must be a positive integer/],
    [['--strategy', 'enas', '--sharing-lr', '0'], /^--sharing-lr: /],
    [['--strategy', 'enas', '--sharing-arm', 'greedy'], /^--sharing-arm: must be one of reinforce, uniform/],
    [['--strategy', 'enas', '--sharing-rounds', '2', '--sharing-warmup', '3'], /^--sharing-warmup: must be at most/],
    [['--strategy', 'enas', '--sharing-steps', '500'], /^--sharing-steps: /],
    [['--strategy', 'enas', '--trials', '5'], /^--trials: does not apply to --strategy enas \(it scores/],
    [['--strategy', 'enas', '--parallel', '2'], /^--parallel: does not apply to --strategy enas/],
    [['--strategy', 'enas', '--space', 'efficientnet'], /^--space: enas shares weights over the nasnet space only/],
    [['--strategy', 'enas', '--backend', 'simulated'], /^--backend: simulated has no shared network/],
    [['--strategy', 'enas', '--sharing-arm', 'uniform', '--controller-lr', '0.1'], /^--controller-lr: the uniform arm/],
    [['--strategy', 'enas', '--sharing-val-batches', '9', '--val-size', '64'], /^--sharing-val-batches: scores on 9/],
    [['--strategy', 'reinforce', '--sharing-rounds', '3'], /^--sharing-rounds: applies to --strategy enas only/],
  ])('%j is refused naming the flag', (argv, message) => {
    expect(() => request(...argv)).toThrow(message);
  });

  it('a bad flag is one line on stderr and exit 2, nothing started', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nas-enas-flags-'));
    try {
      const run = await runNas(['search', 'start', '--strategy', 'enas', '--sharing-candidates', 'x'], {
        NAS_HOME: home,
      });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^nas: --sharing-candidates: must be a positive integer[^\n]*\n$/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('nas search start --strategy enas --wait, status, finalize', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'nas-enas-'));
  });
  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });
  const env = () => ({ NAS_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
  const tiny = ['--train-size', '256', '--val-size', '64', '--test-size', '64', '--epochs', '1', '--batch-size', '32'];

  it('runs the rounds, shows them in status, and finalizes the best shared-weight candidate', async () => {
    const search = await runNas(
      [
        'search',
        'start',
        '--strategy',
        'enas',
        '--sharing-rounds',
        '2',
        '--sharing-steps',
        '3',
        '--sharing-candidates',
        '2',
        '--sharing-warmup',
        '1',
        '--sharing-val-batches',
        '1',
        '--blocks',
        '2',
        '--ops',
        'identity,conv_1x1,max_pool_3x3,sep_conv_3x3',
        '--cells-per-stage',
        '1',
        '--reductions',
        '1',
        '--filters',
        '4',
        ...tiny,
        '--seed',
        '3',
        '--id',
        'cli-enas',
        '--wait',
        '--format',
        'json',
      ],
      env(),
    );
    expect(search.code, search.stdout + search.stderr).toBe(0);
    const { leaderboard } = JSON.parse(search.stdout) as { leaderboard: LeaderboardRow[] };
    expect(leaderboard.length).toBeGreaterThan(0);
    expect(leaderboard.length).toBeLessThanOrEqual(4);

    const status = await runNas(['search', 'status', 'cli-enas', '--format', 'json'], env());
    expect(status.code, status.stderr).toBe(0);
    const { stored, sharing } = JSON.parse(status.stdout) as {
      stored: { counts: Record<string, number> };
      sharing: SharingRound[];
    };
    expect(stored.counts.succeeded).toBe(4);
    expect(sharing.map((r) => [r.round, r.sharedStep, r.trainedOn, r.scored])).toEqual([
      [0, 3, 'uniform', 2],
      [1, 6, 'controller', 2],
    ]);
    expect(sharing[1].entropyPerDecision).toBeGreaterThan(0);
    const table = await runNas(['search', 'status', 'cli-enas'], env());
    expect(table.stdout).toMatch(/round 1 \(step 6, trained on controller samples\): train loss [0-9.]+ acc [0-9.]+%/);
    const [train, score] = [0, 1].map((phase) =>
      sharing.reduce((sum, r) => sum + [r.trainCpuSeconds!, r.scoreCpuSeconds!][phase], 0),
    );
    expect(train).toBeGreaterThan(0);
    expect(score).toBeGreaterThan(0);
    expect(table.stdout).toContain(
      `CPU time of 2 round(s) on the trainer: ${train.toFixed(0)} s training the shared network + ${score.toFixed(0)} s scoring = ${(train + score).toFixed(0)} s`,
    );

    const finalize = await runNas(
      ['search', 'finalize', 'cli-enas', '--top', '1', '--repeats', '1', ...tiny, '--wait'],
      env(),
    );
    const output = finalize.stdout + finalize.stderr;
    expect(finalize.code, output).toBe(0);
    expect(output).toMatch(/final evaluation cli-enas-final-[0-9a-f]{8} finished: 1 candidate\(s\), 1 succeeded/);
    // The candidate retrained is the leaderboard's best shared-weight score.
    expect(output).toContain(leaderboard[0].name);
  }, 240_000);
});
