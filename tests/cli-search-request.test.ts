/** `nas search start` flags become a SearchRequest; wrong flags name themselves and the fix. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';

// Flags to request only: the dataset files of this machine are checked by the `nas` runs below.
const request = (...argv: string[]) =>
  searchRequestFromFlags(parseCommandLine(['search', 'start', ...argv]).input.flags, { checkData: false });

describe('search start flags', () => {
  it('passes controller hyperparameters to REINFORCE', () => {
    const { strategy } = request('--strategy', 'reinforce', '--controller-lr', '0.01', '--controller-batch', '4');
    expect(strategy.reinforce).toEqual({ learningRate: 0.01, batchSize: 4 });
  });

  it('passes population and tournament size to evolution', () => {
    const { strategy } = request('--strategy', 'evolution', '--population', '8', '--tournament', '3');
    expect(strategy.evolution).toEqual({ population: 8, sample: 3 });
  });

  it('leaves the strategies at their defaults without those flags', () => {
    const { strategy } = request('--strategy', 'reinforce');
    expect(strategy.reinforce).toBeUndefined();
    expect(strategy.evolution).toBeUndefined();
  });

  it('lets a learning strategy at parallel 1 see every result before its next proposal, unless a window is asked for', () => {
    expect(request('--strategy', 'reinforce', '--parallel', '1').strategy.window).toBe(0);
    expect(request('--strategy', 'evolution', '--parallel', '1', '--window', '8').strategy.window).toBe(8);
    expect(request('--strategy', 'evolution', '--parallel', '2').strategy.window).toBe(8);
    expect(request('--strategy', 'reinforce', '--parallel', '12', '--trials', '20').strategy.window).toBe(12);
    expect(request('--strategy', 'random', '--parallel', '1').strategy.window).toBeUndefined();
  });

  it('refuses more seed architectures than trials, naming the flag', () => {
    const twoTrials = request('--trials', '2');
    twoTrials.strategy.seedArchitectures = [[0], [1], [2]];
    expect(() => validateSearchRequest(twoTrials)).toThrow(
      'strategy.seedArchitectures: holds 3 architectures, more than the 2 trials: only the first 2 could be evaluated; give at most that many',
    );
  });

  it.each([
    [['--strategy', 'random', '--controller-lr', '0.01'], /--controller-lr: applies to --strategy reinforce only/],
    [['--strategy', 'reinforce', '--population', '8'], /--population: applies to --strategy evolution only/],
    [['--strategy', 'reinforce', '--controller-batch', '0'], /--controller-batch/],
    [
      ['--strategy', 'evolution', '--population', '4', '--tournament', '5'],
      /--tournament: must be at most --population \(4\)/,
    ],
    [
      ['--space', 'efficientnet', '--filters', '16'],
      /^--filters: applies to --space nasnet only; drop it or switch space$/,
    ],
    [['--space', 'efficientnet', '--ops', 'sep3x3'], /^--ops: applies to --space nasnet only/],
    [
      ['--halving-levels', '3', '--trials', '12', '--parallel', '1'],
      /^--trials: a halving search with eta 3 and 3 levels \(proposal window 0\) is sure to train a candidate at its last level, the full protocol, from 13 trials on; got 12: give 13 or more, or fewer --halving-levels$/,
    ],
  ])('rejects %j', (argv, message) => {
    expect(() => request(...argv)).toThrow(message);
  });
});

const NAS = fileURLToPath(new URL('../cli/nas.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nas-cli-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `nas <args>` with a fresh NAS_HOME, the embedded stack (no TEMPORAL_ADDRESS, no DATABASE_URL) and the given data directory. */
function runNas(
  args: string[],
  dataDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string; home: string }> {
  const home = join(mkdtempSync(join(root, 'run-')), 'home');
  const env: NodeJS.ProcessEnv = { ...process.env, NAS_HOME: home, NAS_DATA_DIR: dataDir };
  delete env.TEMPORAL_ADDRESS;
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [NAS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr, home }));
  });
}

describe('nas search start checks the dataset before anything starts', () => {
  it('refuses a broken NAS_DATA_DIR: exit 2, one line naming it, no database created', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), 'not gzip, not IDX');
    const { code, stdout, stderr, home } = await runNas(
      ['search', 'start', '--trials', '2', '--id', 'data-check'],
      dir,
    );
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^nas: NAS_DATA_DIR: ${dir}: missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte .*; install it with apt-get install dataset-fashion-mnist`,
      ),
    );
    expect(existsSync(join(home, 'pglite'))).toBe(false);
  }, 60_000);

  it('refuses a --train-size larger than the training file, naming the flag and the file count', async () => {
    const dir = writeIdxFixture(join(root, 'small'), { train: 400, test: 100 }).dir;
    const { code, stderr, home } = await runNas(
      ['search', 'start', '--trials', '2', '--train-size', '70000', '--val-size', '100', '--test-size', '50'],
      dir,
    );
    expect(code, stderr).toBe(2);
    expect(stderr.trimEnd()).toBe(
      `nas: --train-size: 70000 with --val-size 100 needs 70100 images, more than the 400 in ${join(dir, 'train-images-idx3-ubyte.gz')}; at most 300 with this --val-size`,
    );
    expect(existsSync(join(home, 'pglite'))).toBe(false);
  }, 60_000);
});

const tensorflowInstalled = await Promise.any(
  ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].map((name) => import(name)),
).then(
  () => true,
  () => false,
);

describe.skipIf(tensorflowInstalled)('nas search start --backend tensorflow where tfjs-node is not installed', () => {
  it('ends with one line naming the flag and the fix, exit 2, no search recorded', async () => {
    const dir = writeIdxFixture(join(root, 'tf'), { train: 400, test: 100 }).dir;
    const { code, stdout, stderr } = await runNas(
      [
        'search',
        'start',
        '--trials',
        '2',
        '--train-size',
        '256',
        '--val-size',
        '64',
        '--test-size',
        '64',
        '--backend',
        'tensorflow',
        '--wait',
      ],
      dir,
    );
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      'nas: --backend: tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node and neither loads here (the lines above say why): ' +
        'install one (`npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0`) or give --backend wasm',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
