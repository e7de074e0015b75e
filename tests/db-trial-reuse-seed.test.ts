/**
 * One training per (architecture, protocol, training seed), across searches and roles: a final
 * repeat at the protocol's seed reuses the search's own training if that kept its weights (else it
 * trains, so that every final row has weights to export: issue 26), another seed trains, and a
 * second final evaluation reuses every repeat of the first. Rows keep their role and seed.
 */
import { expect, it } from 'vitest';
import { architectureHash } from '../cells/index.ts';
import { baselineByName } from '../cells/baselines/index.ts';
import type { PrepareTrialInput } from '../contracts/activities.ts';
import type { TrialRole } from '../contracts/trial-role.ts';
import { trialIdOf } from '../contracts/trial-id.ts';
import { baselineResults } from '../db/queries/baselines.ts';
import { saveTrainedWeights } from '../db/queries/trained-weights.ts';
import { findReusableTrial, finishTrial, getTrial, markTrialRunning } from '../db/queries/trials.ts';
import { tinySearchRequest } from '../harness/search-stack.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { createOrchestrationActivities } from '../workers/activities/orchestration.ts';
import { describeEachDriver } from './support/db-helpers.ts';

describeEachDriver('reuse per (architecture, protocol, seed)', (db) => {
  const { protocol, input, classes } = tinySearchRequest();
  const architecture = baselineByName('lenet5').architecture;
  const archHash = architectureHash(architecture);
  const pHash = protocolHash(protocol);
  const orchestration = () => createOrchestrationActivities(db());
  const record = (searchId: string, kind: 'search' | 'final') =>
    orchestration().recordSearch({
      searchId,
      kind,
      space: 'nasnet',
      strategy: 'random',
      seed: 1,
      trials: 4,
      config: { protocol },
    });
  const trial = (searchId: string, index: number, role?: TrialRole, seed?: number): PrepareTrialInput => ({
    trialId: trialIdOf(searchId, index),
    searchId,
    trialIndex: index,
    architecture,
    archHash,
    protocol,
    protocolHash: pHash,
    fidelity: 0,
    budget: {},
    input,
    classes,
    ...(role && { role }),
    ...(seed !== undefined && { seed }),
  });
  /** A succeeded training; `keep`: its weights kept, as a trainer keeps a final or baseline trial's. */
  const train = async (trialId: string, valAccuracy: number, keep = false) => {
    await markTrialRunning(db(), trialId, { worker: 'w', backend: 'cpu', device: 'cpu' });
    expect(await finishTrial(db(), trialId, { status: 'succeeded', valAccuracy, testAccuracy: valAccuracy })).toBe(
      true,
    );
    if (keep) await saveTrainedWeights(db(), trialId, 0, new Uint8Array([1, 2, 3]));
  };

  it('reuses a triple across searches and trains each new seed once; a final repeat never takes a training without weights', async () => {
    await record('reuse-search', 'search');
    expect(await orchestration().prepareTrial(trial('reuse-search', 0))).toMatchObject({ action: 'train' });
    expect(await getTrial(db(), 'reuse-search/0')).toMatchObject({ role: 'search', seed: protocol.seed });
    await train('reuse-search/0', 0.7);
    // Another search of the same request reuses it (a search trial need not keep weights).
    await record('reuse-search-again', 'search');
    expect(await orchestration().prepareTrial(trial('reuse-search-again', 0))).toMatchObject({
      action: 'settled',
      outcome: { status: 'reused' },
    });

    // A final evaluation: the search's training at the protocol seed kept no weights, so repeat 0 trains too.
    await record('reuse-final-a', 'final');
    const seeds = [protocol.seed, protocol.seed + 1, protocol.seed + 2];
    const first = [];
    for (const [r, seed] of seeds.entries())
      first.push(await orchestration().prepareTrial(trial('reuse-final-a', r, 'final', seed)));
    expect(first.map((p) => p.action)).toEqual(['train', 'train', 'train']);
    await train('reuse-final-a/0', 0.72, true);
    await train('reuse-final-a/1', 0.71, true);
    await train('reuse-final-a/2', 0.69, true);
    expect(await getTrial(db(), 'reuse-final-a/2')).toMatchObject({ role: 'final', seed: protocol.seed + 2 });

    // Another final evaluation of the same candidate (another search found it too): nothing trains.
    await record('reuse-final-b', 'final');
    for (const [r, seed] of seeds.entries()) {
      const prepared = await orchestration().prepareTrial(trial('reuse-final-b', r, 'final', seed));
      expect(prepared).toMatchObject({ action: 'settled', outcome: { status: 'reused' } });
    }
    expect((await getTrial(db(), 'reuse-final-b/0'))?.reusedFrom).toBe('reuse-final-a/0');
    expect((await getTrial(db(), 'reuse-final-b/1'))?.reusedFrom).toBe('reuse-final-a/1');
    expect(await getTrial(db(), 'reuse-final-b/2')).toMatchObject({
      reusedFrom: 'reuse-final-a/2',
      valAccuracy: 0.69,
      seed: protocol.seed + 2,
    });

    // A seed nobody trained is not reusable; the query names the seed.
    expect(await findReusableTrial(db(), archHash, pHash, protocol.seed + 3, 'x/0')).toBeNull();
    expect((await findReusableTrial(db(), archHash, pHash, protocol.seed + 1, 'x/0'))?.id).toBe('reuse-final-a/1');
    expect((await findReusableTrial(db(), archHash, pHash, protocol.seed, 'x/0'))?.id).toBe('reuse-search/0');
    expect((await findReusableTrial(db(), archHash, pHash, protocol.seed, 'x/0', { withWeights: true }))?.id).toBe(
      'reuse-final-a/0',
    );
  });

  it('a final repeat reuses a search training that kept its weights (--keep-weights all)', async () => {
    const kept = { ...protocol, epochs: protocol.epochs + 7 };
    const withKept = (searchId: string, role?: TrialRole) => ({
      ...trial(searchId, 0, role),
      protocol: kept,
      protocolHash: protocolHash(kept),
    });
    await record('reuse-kept-search', 'search');
    expect(await orchestration().prepareTrial({ ...withKept('reuse-kept-search'), keepWeights: true })).toMatchObject({
      action: 'train',
    });
    await train('reuse-kept-search/0', 0.8, true);
    await record('reuse-kept-final', 'final');
    expect(await orchestration().prepareTrial(withKept('reuse-kept-final', 'final'))).toMatchObject({
      action: 'settled',
      outcome: { status: 'reused' },
    });
    expect((await getTrial(db(), 'reuse-kept-final/0'))?.reusedFrom).toBe('reuse-kept-search/0');
  });

  it('nas baselines list shows the training at the protocol seed, not the best repeat', async () => {
    await record('reuse-baseline-final', 'final');
    for (const [r, acc] of [0.6, 0.9].entries()) {
      // A protocol no other test trains under.
      const other = { ...protocol, epochs: protocol.epochs + 5 };
      const input = {
        ...trial('reuse-baseline-final', r, 'baseline', protocol.seed + r),
        protocol: other,
        protocolHash: protocolHash(other),
        baselineName: 'lenet5',
      };
      expect(await orchestration().prepareTrial(input)).toMatchObject({ action: 'train' });
      await train(input.trialId, acc);
    }
    const hash = protocolHash({ ...protocol, epochs: protocol.epochs + 5 });
    expect((await baselineResults(db(), hash)).get('lenet5')).toMatchObject({
      trialId: 'reuse-baseline-final/0',
      valAccuracy: 0.6,
    });
  });

  it('refuses to re-enqueue a trial id with another seed', async () => {
    await record('reuse-conflict', 'final');
    await orchestration().prepareTrial(trial('reuse-conflict', 0, 'final', 40));
    await expect(orchestration().prepareTrial(trial('reuse-conflict', 0, 'final', 41))).rejects.toThrow(/seed 40/);
  });
});
