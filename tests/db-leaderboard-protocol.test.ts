/** A leaderboard ranks the results of one protocol: one fidelity level of a halving search, baselines of that protocol. */
import { beforeAll, expect, it } from 'vitest';
import { upsertProtocol } from '../db/queries/architectures.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { upsertSearch } from '../db/queries/searches.ts';
import { enqueueTrial } from '../db/queries/trials.ts';
import { fidelityLadder } from '../contracts/fidelity.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { wilsonInterval } from '../numeric/statistics.ts';
import { PROTOCOL_A, runTrial, seedCatalogue } from './support/db-fixtures.ts';
import { describeEachDriver } from './support/db-helpers.ts';

const protocol = { ...PROTOCOL_A, trainSize: 900, epochs: 3 };
const halving = { eta: 3, levels: 2 };
const [low, full] = fidelityLadder(protocol, halving).map(protocolHash);

describeEachDriver('leaderboard protocol scope', (db) => {
  beforeAll(async () => {
    const d = db();
    await seedCatalogue(d, 8);
    for (const [hash, p] of fidelityLadder(protocol, halving).map((p) => [protocolHash(p), p] as const))
      await upsertProtocol(d, hash, p);
    await upsertProtocol(d, protocolHash(PROTOCOL_A), PROTOCOL_A);
    await upsertSearch(d, {
      id: 'asha',
      kind: 'search',
      space: 'nasnet',
      strategy: 'random',
      seed: 1,
      trialsRequested: 4,
      config: {
        protocol,
        strategy: { name: 'random', halving },
        reward: { objective: 'mnas', cost: 'params', target: 3000, w: -0.07 },
      },
    });
    await upsertSearch(d, {
      id: 'bl',
      kind: 'baselines',
      space: 'baselines',
      strategy: 'fixed',
      seed: 1,
      trialsRequested: 2,
      config: { protocol },
    });
    const add = async (
      searchId: string,
      index: number,
      arch: number,
      hash: string,
      fidelity: number,
      valAccuracy: number,
      baselineName?: string,
    ) => {
      const id = `${searchId}/${index}`;
      await enqueueTrial(d, {
        id,
        searchId,
        trialIndex: index,
        archHash: `arch-${arch}`,
        protocolHash: hash,
        params: 1000 * (arch + 1),
        flops: 1,
        fidelity,
        baselineName,
      });
      await runTrial(d, id, { status: 'succeeded', valAccuracy });
    };
    await add('asha', 0, 0, low, 0, 0.6);
    await add('asha', 1, 1, low, 0, 0.7);
    await add('asha', 2, 1, full, 1, 0.8);
    await add('asha', 3, 2, low, 0, 0.95);
    await add('bl', 0, 5, full, 0, 0.75, 'lenet5');
    await add('bl', 1, 6, protocolHash(PROTOCOL_A), 0, 0.99, 'resnet20');
  });

  it('ranks the final fidelity level by default, another level on request, never both', async () => {
    expect((await leaderboard(db(), { searchId: 'asha' })).map((r) => r.trialId)).toEqual(['asha/2']);
    expect((await leaderboard(db(), { searchId: 'asha', fidelity: 0, sort: 'val_acc' })).map((r) => r.trialId)).toEqual(
      ['asha/3', 'asha/1', 'asha/0'],
    );
    // The interval is measured on the ranked level's validation images (valSize 100 at every level; no test set).
    const [final] = await leaderboard(db(), { searchId: 'asha' });
    expect(final).toMatchObject({
      valSize: 100,
      valAccuracyLow: wilsonInterval(0.8, 100).low,
      valAccuracyHigh: wilsonInterval(0.8, 100).high,
    });
    expect(final).toMatchObject({ testSize: 0, testAccuracyLow: null, testAccuracyHigh: null });
    await expect(leaderboard(db(), { searchId: 'asha', fidelity: 2 })).rejects.toThrow(
      'leaderboard fidelity: 2 is not a level of search asha (0..1)',
    );
  });

  it('admits baselines trained under that protocol only, with the search objective as their reward', async () => {
    const rows = await leaderboard(db(), { searchId: 'asha', includeBaselines: true });
    expect(rows.map((r) => r.trialId)).toEqual(['asha/2', 'bl/0']);
    expect(rows[0].reward).toBeCloseTo(0.8 * (2000 / 3000) ** -0.07, 5);
    expect(rows[1].reward).toBeCloseTo(0.75 * (6000 / 3000) ** -0.07, 5);
    expect(rows.map((r) => r.reward)).toEqual([...rows.map((r) => r.reward!)].sort((a, b) => b - a));
  });
});
