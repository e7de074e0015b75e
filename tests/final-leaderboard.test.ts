/**
 * The final leaderboard and the fidelity report on fixture rows, against hand-computed values:
 * means, Student-t intervals over 3 repeats (t(0.975, 2) = 4.302652729749464), the Wilson interval
 * of a single repeat, ties with the leader, the Pareto front over mean accuracy and FLOPs, and
 * Spearman/Kendall between the search's and the final accuracies.
 */
import { beforeAll, expect, it } from 'vitest';
import { upsertProtocol } from '../db/queries/architectures.ts';
import { fidelityReport, finalLeaderboard } from '../db/queries/final-leaderboard.ts';
import { renderFinalLeaderboard } from '../cli/final-report.ts';
import { PROTOCOL_A, addTrial, createSearch, runTrial, seedCatalogue } from './support/db-fixtures.ts';
import { describeEachDriver } from './support/db-helpers.ts';

describeEachDriver('final leaderboard and fidelity report', (db) => {
  const T = 4.302652729749464;
  const half = (sd: number) => (T * sd) / Math.sqrt(3);

  beforeAll(async () => {
    await seedCatalogue(db(), 6);
    await upsertProtocol(db(), 'proto-final', {
      ...PROTOCOL_A,
      trainSize: 55000,
      valSize: 5000,
      testSize: 1000,
      epochs: 10,
    });
    // The search: val accuracies at its (only) fidelity; arch-5 was not finalized.
    await createSearch(db(), 'fx-search');
    for (const [index, arch, acc] of [
      [0, 1, 0.7],
      [1, 2, 0.72],
      [2, 3, 0.69],
      [3, 5, 0.6],
    ] as const) {
      const id = await addTrial(db(), 'fx-search', { index, arch });
      await runTrial(db(), id, { status: 'succeeded', valAccuracy: acc, testAccuracy: null });
    }
    // Its final evaluation: three candidates x 3 seeds, lenet5 once, a failed repeat left out.
    await createSearch(db(), 'fx-final', 'final', { searchId: 'fx-search' });
    const repeats: Array<[number, number[]]> = [
      [1, [0.9, 0.92, 0.91]],
      [2, [0.85, 0.86, 0.84]],
      [3, [0.9, 0.91, 0.905]],
    ];
    let index = 0;
    for (const [arch, accs] of repeats) {
      for (const [r, acc] of accs.entries()) {
        const id = await addTrial(db(), 'fx-final', {
          index: index++,
          arch,
          protocol: 'proto-final',
          role: 'final',
          seed: 1 + r,
        });
        // arch-1's trainers measured a latency (ms at batch 1) per repeat; the others none.
        const latencyMs = arch === 1 ? [5, 3, 4][r] : null;
        await runTrial(db(), id, { status: 'succeeded', valAccuracy: acc - 0.01, testAccuracy: acc, latencyMs });
      }
    }
    const lenet = await addTrial(db(), 'fx-final', {
      index: index++,
      arch: 0,
      protocol: 'proto-final',
      role: 'baseline',
      seed: 1,
      baselineName: 'lenet5',
    });
    await runTrial(db(), lenet, { status: 'succeeded', valAccuracy: 0.79, testAccuracy: 0.8 });
    const failed = await addTrial(db(), 'fx-final', {
      index: index++,
      arch: 4,
      protocol: 'proto-final',
      role: 'final',
      seed: 1,
    });
    await runTrial(db(), failed, { status: 'failed', error: 'OOM' });
  });

  it('ranks architectures by mean test accuracy with intervals, ties and the Pareto front', async () => {
    const board = await finalLeaderboard(db(), 'fx-search');
    expect(board).toMatchObject({ finalId: 'fx-final', protocolHash: 'proto-final' });
    const rows = board!.rows;
    expect(rows.map((r) => [r.archHash, r.kind, r.repeats])).toEqual([
      ['arch-1', 'discovered', 3],
      ['arch-3', 'discovered', 3],
      ['arch-2', 'discovered', 3],
      ['arch-0', 'baseline', 1],
    ]);
    const [a1, a3, a2, lenet] = rows;
    expect(a1.meanTestAccuracy).toBeCloseTo(0.91, 12);
    expect(a1.sd).toBeCloseTo(0.01, 12);
    expect(a1.low).toBeCloseTo(0.91 - half(0.01), 10);
    expect(a1.high).toBeCloseTo(0.91 + half(0.01), 10);
    expect(a1.interval).toBe('student-t');
    expect(a1.low).toBeCloseTo(0.8851586228824967, 10);
    expect(a3.meanTestAccuracy).toBeCloseTo(0.905, 12);
    expect(a3.low).toBeCloseTo(0.905 - half(0.005), 10);
    expect(a2.meanTestAccuracy).toBeCloseTo(0.85, 12);
    expect(a2.high).toBeCloseTo(0.85 + half(0.01), 10);
    expect(a1.seeds).toEqual([1, 2, 3]);
    expect(a1.testAccuracies).toEqual([0.9, 0.92, 0.91]);
    // One repeat: the Wilson interval of 80% on 1,000 images.
    expect(lenet).toMatchObject({ name: 'lenet5', interval: 'wilson', sd: null, testSize: 1000 });
    expect(lenet.low).toBeCloseTo(0.7740810353518655, 6);
    expect(lenet.high).toBeCloseTo(0.8236229095568015, 6);
    // Ties: arch-3 (0.905 ± small) is within noise of the leader; arch-2 (6 points, t = 7.35 on 4 df) and lenet5 are not.
    expect(rows.map((r) => [r.leader, r.tied, r.test])).toEqual([
      [true, true, 'leader'],
      [false, true, 'welch'],
      [false, false, 'welch'],
      [false, false, 'two-proportion'],
    ]);
    expect(a3.p!).toBeGreaterThan(0.3);
    expect(a2.p!).toBeLessThan(0.01);
    // Pareto over mean accuracy vs FLOPs (50k per architecture number + 1): lenet5 the cheapest, arch-1 the best.
    expect(rows.filter((r) => r.pareto).map((r) => r.archHash)).toEqual(['arch-1', 'arch-0']);
    expect(rows.map((r) => r.flops)).toEqual([100_000, 200_000, 150_000, 50_000]);
  });

  it('gives the median latency over the repeats where trainers measured one, and shows its column then', async () => {
    const rows = (await finalLeaderboard(db(), 'fx-search'))!.rows;
    expect(rows.find((r) => r.archHash === 'arch-1')!.latencyMs).toBe(4);
    expect(rows.filter((r) => r.archHash !== 'arch-1').every((r) => r.latencyMs === undefined)).toBe(true);
    const table = renderFinalLeaderboard((await finalLeaderboard(db(), 'fx-search'))!, 'markdown');
    expect(table.split('\n')[2]).toMatch(/^\| rank .*\| latency ms \|/);
    expect(table).toMatch(/\| 4 \|/);
  });

  it('reports rank agreement between the search and the final evaluation', async () => {
    const report = await fidelityReport(db(), 'fx-search');
    // Search order: arch-2 (0.72), arch-1 (0.70), arch-3 (0.69); final: arch-1, arch-3, arch-2.
    expect(report!.pairs.map((p) => p.archHash)).toEqual(['arch-2', 'arch-1', 'arch-3']);
    // Ranks (ascending) search 3,2,1 vs final 1,3,2 (arch-2, arch-1, arch-3): d = 2, -1, -1, Σd² = 6,
    // ρ = 1 - 6·6 / (3·8) = -0.5; pairs: (2,1) discordant, (2,3) discordant, (1,3) concordant: τ = -1/3.
    expect(report!.spearman!.estimate).toBeCloseTo(-0.5, 12);
    expect(report!.kendall!.estimate).toBeCloseTo(-1 / 3, 12);
    expect(report!.spearman!.low).toBeLessThanOrEqual(report!.spearman!.high);
    expect(report!.topK).toEqual([{ k: 1, shared: 0, fraction: 0 }]);
    // Seeded: the same interval every time.
    expect((await fidelityReport(db(), 'fx-search'))!.spearman).toEqual(report!.spearman);
    expect(await fidelityReport(db(), 'no-such-search')).toBeNull();
  });
});
