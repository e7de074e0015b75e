/**
 * The simulated trainer (`--backend simulated`): its accuracies and waits as functions of the
 * architecture, protocol and seeds, its settings from NAS_SIMULATED_* variables, and a REINFORCE
 * search through `nas` on the embedded stack that reads no dataset and records what a real
 * trainer records, a running trial's epochs included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureCost, architectureHash, nasnetSpace } from '../cells/index.ts';
import type { LeaderboardRow } from '../db/queries/leaderboard.ts';
import { runNas, startNas, waitFor } from '../harness/processes.ts';
import { DEFAULT_PROTOCOL } from '../contracts/protocol.ts';
import { makeRng } from '../numeric/rng.ts';
import {
  DEFAULT_SIMULATION,
  simulatedLatency,
  simulatedQuality,
  simulateTraining,
  simulationSettings,
} from '../search/simulated-training.ts';
import { syntheticObjective } from '../search/synthetic-objective.ts';

const space = nasnetSpace();
const architecture = space.decode(space.decisions.map((d) => makeRng(`arch/${d.name}`).int(d.size)));
const archHash = architectureHash(architecture);
const { flops } = architectureCost(architecture, { height: 28, width: 28, channels: 1 }, 10);
const job = (fields: Partial<Parameters<typeof simulateTraining>[0]> = {}) => ({
  architecture,
  archHash,
  protocol: { ...DEFAULT_PROTOCOL, epochs: 4 },
  trainingSeed: 1,
  flops,
  ...fields,
});

describe('simulated training', () => {
  it('is the same for the same architecture, protocol and seeds, and another for another training seed', () => {
    const a = simulateTraining(job(), DEFAULT_SIMULATION);
    expect(simulateTraining(job(), DEFAULT_SIMULATION)).toEqual(a);
    expect(simulateTraining(job({ trainingSeed: 2 }), DEFAULT_SIMULATION).epochs[3].valAccuracy).not.toBe(
      a.epochs[3].valAccuracy,
    );
    expect(a.epochs).toHaveLength(4);
    expect(a.testAccuracy).not.toBeNull();
  });

  it('without noise, rises with every epoch towards a ceiling that grows with the synthetic quality', () => {
    const exact = { ...DEFAULT_SIMULATION, noise: 0 };
    const curve = simulateTraining(job(), exact).epochs.map((e) => e.valAccuracy);
    for (let k = 1; k < curve.length; k++) expect(curve[k]).toBeGreaterThan(curve[k - 1]);
    const quality = simulatedQuality(architecture, archHash, 1);
    expect(quality).toBeCloseTo(syntheticObjective(space, 1).score(space.encode(architecture)), 12);
    const target = space.decode(syntheticObjective(space, 1).target);
    const best = simulateTraining(job({ architecture: target, archHash: architectureHash(target) }), exact).epochs[3]
      .valAccuracy;
    expect(best).toBeGreaterThan(curve[3]);
  });

  it('waits a fixed time per epoch plus 3 x FLOPs x training images at the given multiply-add rate', () => {
    expect(simulateTraining(job(), { ...DEFAULT_SIMULATION, epochMs: 40 }).epochMs).toBe(40);
    const rate = 1e9;
    expect(simulateTraining(job(), { ...DEFAULT_SIMULATION, epochMs: 40, macsPerSecond: rate }).epochMs).toBeCloseTo(
      40 + (3 * flops * DEFAULT_PROTOCOL.trainSize * 1000) / rate,
      9,
    );
  });

  it('reports the latency FLOPs x images / the multiply-add rate, at batch 1 and at the batch; none without a rate', () => {
    expect(simulatedLatency(flops, 32, DEFAULT_SIMULATION)).toBeNull();
    const latency = simulatedLatency(flops, 32, { ...DEFAULT_SIMULATION, macsPerSecond: 1e9 })!;
    expect(latency.ms).toBeCloseTo((flops * 1000) / 1e9, 12);
    expect(latency.batchMs).toBeCloseTo((32 * flops * 1000) / 1e9, 12);
    expect(latency).toMatchObject({ batchSize: 32, device: 'simulated (1000000000 multiply-adds/s)' });
  });

  it('reads its settings from NAS_SIMULATED_* and names the variable of a bad value', () => {
    expect(simulationSettings({})).toEqual(DEFAULT_SIMULATION);
    expect(
      simulationSettings({
        NAS_SIMULATED_EPOCH_MS: '25',
        NAS_SIMULATED_MACS_PER_SECOND: '2e9',
        NAS_SIMULATED_NOISE: '0',
        NAS_SIMULATED_SEED: '3',
      }),
    ).toEqual({
      epochMs: 25,
      macsPerSecond: 2e9,
      noise: 0,
      seed: 3,
    });
    expect(() => simulationSettings({ NAS_SIMULATED_NOISE: '-1' })).toThrow(
      /^NAS_SIMULATED_NOISE: must be a standard deviation >= 0/,
    );
    expect(() => simulationSettings({ NAS_SIMULATED_EPOCH_MS: 'fast' })).toThrow(/^NAS_SIMULATED_EPOCH_MS: /);
  });
});

describe('nas search start --backend simulated', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'nas-simulated-'));
  });
  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });
  // No dataset where the trainer would look: the simulated trainer reads none.
  const env = (name: string, extra: NodeJS.ProcessEnv = {}) => ({
    NAS_HOME: join(home, name),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    NAS_DATA_DIR: join(home, 'no-dataset'),
    NAS_SIMULATED_EPOCH_MS: '20',
    ...extra,
  });
  const search = [
    'search',
    'start',
    '--backend',
    'simulated',
    '--strategy',
    'reinforce',
    '--trials',
    '12',
    '--parallel',
    '4',
    '--epochs',
    '2',
    '--seed',
    '5',
    '--id',
    'sim',
    '--wait',
    '--format',
    'json',
  ];

  it('runs a REINFORCE search on the real workflow; the same seed gives the same results in another home', async () => {
    const first = await runNas(search, env('a'));
    expect(first.code, first.stderr).toBe(0);
    const board = (JSON.parse(first.stdout) as { leaderboard: LeaderboardRow[] }).leaderboard;
    expect(board.length).toBeGreaterThan(6);
    expect(board.every((r) => r.valAccuracy! > 0.1 && r.valAccuracy! < 1)).toBe(true);
    // Two epochs of 20 ms each, on no data: nothing trained.
    expect(board.every((r) => r.trainSeconds === 0.04)).toBe(true);
    expect(first.stderr).toMatch(/backend: simulated trainer/);
    const trial = await runNas(['leaderboard', '--search', 'sim', '--format', 'json'], env('a'));
    expect(JSON.parse(trial.stdout)).toEqual(board);

    const second = await runNas(search, env('b'));
    expect(second.code, second.stderr).toBe(0);
    const again = (JSON.parse(second.stdout) as { leaderboard: LeaderboardRow[] }).leaderboard;
    expect(again.map((r) => [r.archHash, r.valAccuracy, r.testAccuracy])).toEqual(
      board.map((r) => [r.archHash, r.valAccuracy, r.testAccuracy]),
    );
  }, 300_000);

  it('reports FLOPs / NAS_SIMULATED_MACS_PER_SECOND as latency: a latency reward uses it, --max-latency rejects above it', async () => {
    // At 1e12 multiply-adds/s these candidates take 0.009-0.02 ms per image; 5 of the 8 exceed 0.012 ms.
    const argv = [
      'search',
      'start',
      '--backend',
      'simulated',
      '--trials',
      '8',
      '--parallel',
      '4',
      '--epochs',
      '2',
      '--seed',
      '5',
      '--id',
      'sim-latency',
    ];
    const latency = [
      '--reward',
      'mnas',
      '--mnas-cost',
      'latency',
      '--mnas-target',
      '0.01',
      '--max-latency',
      '0.012',
      '--wait',
      '--format',
      'json',
    ];
    const run = await runNas([...argv, ...latency], env('d', { NAS_SIMULATED_MACS_PER_SECOND: '1e12' }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/search sim-latency finished: 5 over_budget, 3 succeeded/);
    const board = (JSON.parse(run.stdout) as { leaderboard: LeaderboardRow[] }).leaderboard;
    expect(board).toHaveLength(3);
    for (const row of board) {
      expect(row.latencyMs).toBeCloseTo((row.flops * 1000) / 1e12, 9);
      expect(row.latencyMs!).toBeLessThanOrEqual(0.012);
      expect(row.latencyDevice).toBe('simulated (1000000000000 multiply-adds/s)');
      expect(row.reward).toBeCloseTo(row.valAccuracy! * (row.latencyMs! / 0.01) ** -0.07, 6);
    }
  }, 300_000);

  it('`nas search status` shows the last recorded epoch of a running trial', async () => {
    const argv = ['search', 'start', '--backend', 'simulated', '--trials', '1', '--epochs', '3', '--id', 'sim-epochs'];
    const owner = startNas([...argv, '--wait'], env('e', { NAS_SIMULATED_EPOCH_MS: '5000' }));
    const line = await waitFor(
      async () => {
        const status = await runNas(['search', 'status', 'sim-epochs'], env('e'));
        return status.stdout.split('\n').find((l) => l.startsWith('running: sim-epochs/0: epoch'));
      },
      120_000,
      'the first epoch in the status',
    );
    expect(line).toMatch(/^running: sim-epochs\/0: epoch 1 done in 5 s, train acc \d+\.\d\d%, val acc \d+\.\d\d%$/);
    const finished = await owner.done;
    expect(finished.code, finished.stderr).toBe(0);
  }, 300_000);

  it('refuses a bad NAS_SIMULATED_* value before anything starts', async () => {
    const bad = await runNas(search, env('c', { NAS_SIMULATED_NOISE: 'loud' }));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(
      /^nas: NAS_SIMULATED_NOISE: must be a standard deviation >= 0 \(0.01 = 1 point\), got "loud"$/,
    );
  }, 60_000);
});
