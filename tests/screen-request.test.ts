/** `nas search start --screen E --screen-candidates N`: the request it makes and the flags it refuses. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { progressLine } from '../cli/progress.ts';
import { bestByScore, candidatesOfTrial, inBatches } from '../search/screening.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { tinySearchRequest } from '../harness/search-stack.ts';

const request = (...argv: string[]) =>
  searchRequestFromFlags(parseCommandLine(['search', 'start', ...argv]).input.flags, { checkData: false });

describe('search start --screen', () => {
  it('records the estimator and the number of proposals it scores', () => {
    const made = request('--screen', 'synflow', '--screen-candidates', '40', '--trials', '5');
    expect(made.screen).toEqual({ estimator: 'synflow', candidates: 40 });
    expect(made.trials).toBe(5);
    expect(request('--trials', '5').screen).toBeUndefined();
    expect(request('--screen', 'params', '--screen-candidates', '5', '--trials', '5').screen?.estimator).toBe('params');
    expect(request('--strategy', 'evolution', '--screen', 'naswot', '--screen-candidates', '24').screen).toEqual({
      estimator: 'naswot',
      candidates: 24,
    });
  });

  it.each([
    [['--screen', 'synflow', '--trials', '5'], /^--screen-candidates: is required with --screen/],
    [['--screen-candidates', '40'], /^--screen-candidates: applies with --screen only$/],
    [
      ['--screen', 'naswot', '--screen-candidates', '4', '--trials', '5'],
      /^--screen-candidates: must be at least --trials \(5\): it scores that many proposals and trains the best --trials, got 4$/,
    ],
    [['--screen', 'synflow', '--screen-candidates', '4097', '--trials', '5'], /^--screen-candidates: .*4096/],
    [
      ['--screen', 'synflow', '--screen-candidates', '40', '--strategy', 'reinforce'],
      /^--screen: applies to --strategy random or evolution without --halving-levels only: drop it or switch strategy$/,
    ],
    [
      ['--screen', 'synflow', '--screen-candidates', '40', '--trials', '13', '--halving-levels', '3'],
      /^--screen: applies to --strategy random or evolution without --halving-levels only/,
    ],
    [
      ['--screen', 'snip', '--screen-candidates', '40', '--train-size', '32'],
      /^--screen: snip scores a batch of 64 training images: give --train-size 64 or more \(got 32\), or screen by params or flops$/,
    ],
  ])('refuses %j naming the flag', (argv, message) => {
    expect(() => request(...argv)).toThrow(message);
  });

  it('refuses an estimator it does not know in a request from any client, naming the field', () => {
    const bad = tinySearchRequest({ screen: { estimator: 'zico' as 'synflow', candidates: 8 } });
    expect(() => validateSearchRequest(bad)).toThrow(
      /^screen\.estimator: must be one of synflow, naswot, grad_norm, snip, params, flops/,
    );
  });
});

describe('screening order', () => {
  it('ranks higher scores first, undefined scores last, equal scores in proposal order', () => {
    expect(bestByScore([0.5, null, 2, 0.5, -1, 2], 6)).toEqual([2, 5, 0, 3, 4, 1]);
    expect(bestByScore([0.5, null, 2, 0.5, -1, 2], 3)).toEqual([2, 5, 0]);
    expect(bestByScore([null, null], 1)).toEqual([0]);
  });

  it("shares evolution's candidates among its trials: shares differ by at most 1 and add up", () => {
    const shares = Array.from({ length: 4 }, (_, i) => candidatesOfTrial(i, 10, 4));
    expect(shares).toEqual([2, 3, 2, 3]);
    expect(Array.from({ length: 7 }, (_, i) => candidatesOfTrial(i, 7, 7))).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('cuts proposals into batches in order', () => {
    expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('the status line of a screening search', () => {
  const progress = (scored: number) => ({
    searchId: 's',
    trials: 4,
    parallel: 1,
    dispatched: 0,
    running: [],
    counts: {},
    best: null,
    paused: false,
    stopping: false,
    finished: false,
    strategy: { proposed: 40, screen: 'synflow', screenScored: scored, screenCandidates: 40 },
  });

  it('says how many proposals are scored while it screens, and nothing more once all are', () => {
    expect(progressLine(progress(8))).toBe(
      '[--------------------] 0/4 trials, 0 running, best val -, synflow scored 8/40 proposals',
    );
    expect(progressLine(progress(40))).toBe('[--------------------] 0/4 trials, 0 running, best val -');
  });
});

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'nas-screen-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('nas search start with a bad --screen-candidates', () => {
  it('exits 2 with one line naming the flag, before anything starts', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NAS_HOME: join(home, 'home') };
    delete env.TEMPORAL_ADDRESS;
    delete env.DATABASE_URL;
    const run = spawnSync(
      process.execPath,
      [
        NAS,
        'search',
        'start',
        '--backend',
        'simulated',
        '--trials',
        '6',
        '--screen',
        'flops',
        '--screen-candidates',
        '3',
      ],
      { env, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'nas: --screen-candidates: must be at least --trials (6): it scores that many proposals and trains the best --trials, got 3',
    ]);
  }, 60_000);

  it('checks the dataset for proxies even under the simulated trainer, which reads no images itself', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NAS_HOME: join(home, 'home-data'),
      NAS_DATA_DIR: join(home, 'no-data'),
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.DATABASE_URL;
    const argv = ['search', 'start', '--backend', 'simulated', '--trials', '2', '--screen-candidates', '4'];
    const proxy = spawnSync(process.execPath, [NAS, ...argv, '--screen', 'synflow'], { env, encoding: 'utf8' });
    expect(proxy.status, proxy.stderr).toBe(2);
    expect(proxy.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(proxy.stderr).toMatch(/^nas: NAS_DATA_DIR: .*no-data/);
  }, 60_000);
});
