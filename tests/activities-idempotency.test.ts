/** Every orchestration and scaling activity, called twice with the same input: one row, the same result. */
import { expect, it } from 'vitest';
import { baselineByName } from '../cells/baselines/index.ts';
import { getScalingStudy, listScalingPoints } from '../db/queries/scaling.ts';
import { getSearch } from '../db/queries/searches.ts';
import { getTrial, listTrials } from '../db/queries/trials.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { trialIdOf } from '../contracts/trial-id.ts';
import { createOrchestrationActivities } from '../workers/activities/orchestration.ts';
import { createScalingActivities } from '../workers/activities/scaling.ts';
import type { PrepareTrialInput } from '../contracts/activities.ts';
import { architectureHash } from '../cells/index.ts';
import { sampleNasnet } from '../cells/nasnet/index.ts';
import seedrandom from 'seedrandom';
import { describeEachDriver } from './support/db-helpers.ts';
import { tinySearchRequest } from '../harness/search-stack.ts';

describeEachDriver('activities are idempotent', (db) => {
  const twice = async <T>(call: () => Promise<T>): Promise<[T, T]> => [await call(), await call()];
  const { protocol, input, classes } = tinySearchRequest();
  const record = (searchId: string) => ({
    searchId,
    kind: 'search' as const,
    space: 'nasnet',
    strategy: 'random',
    seed: 1,
    trials: 4,
    config: { protocol },
  });
  const trial = (searchId: string, index: number, budget = {}): PrepareTrialInput => {
    const architecture = baselineByName('lenet5').architecture;
    return {
      trialId: trialIdOf(searchId, index),
      searchId,
      trialIndex: index,
      architecture,
      archHash: architectureHash(architecture),
      protocol,
      protocolHash: protocolHash(protocol),
      fidelity: 0,
      budget,
      input,
      classes,
    };
  };
  const orchestration = () => createOrchestrationActivities(db());
  const scaling = () => createScalingActivities(db());

  it('recordSearch', async () => {
    await twice(() => orchestration().recordSearch(record('idem-record')));
    expect(await getSearch(db(), 'idem-record')).toMatchObject({ status: 'running', trialsRequested: 4 });
  });

  it('recordSharedScores', async () => {
    await orchestration().recordSearch(record('idem-shared'));
    const architecture = sampleNasnet(seedrandom('idem-shared'), {});
    const scores = {
      searchId: 'idem-shared',
      protocol,
      input,
      classes,
      summary: { round: 0 },
      scored: [{ trialIndex: 0, architecture, accuracy: 0.25, loss: 2 }],
    };
    await twice(() => orchestration().recordSharedScores(scores));
    const rows = await listTrials(db(), 'idem-shared');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      role: 'shared',
      status: 'succeeded',
      valAccuracy: 0.25,
      attempts: 1,
      archHash: architectureHash(architecture),
      strategySummary: { round: 0, sharedLoss: 2 },
    });
  });

  it('prepareTrial', async () => {
    await orchestration().recordSearch(record('idem-prepare'));
    const [first, second] = await twice(() => orchestration().prepareTrial(trial('idem-prepare', 0)));
    expect(second).toEqual(first);
    expect(await listTrials(db(), 'idem-prepare')).toHaveLength(1);
    const [over, overAgain] = await twice(() =>
      orchestration().prepareTrial(trial('idem-prepare', 1, { maxParams: 10 })),
    );
    expect(over).toMatchObject({ action: 'settled', outcome: { status: 'over_budget' } });
    expect(overAgain).toEqual(over);
  });

  it('settleTrial', async () => {
    await orchestration().recordSearch(record('idem-settle'));
    await orchestration().prepareTrial(trial('idem-settle', 0));
    const [first, second] = await twice(() =>
      orchestration().settleTrial({ trialId: 'idem-settle/0', status: 'failed', error: 'boom' }),
    );
    expect(second).toEqual(first);
    expect(first).toMatchObject({ status: 'failed', error: 'boom' });
  });

  it('recordReward', async () => {
    await orchestration().recordSearch(record('idem-reward'));
    await orchestration().prepareTrial(trial('idem-reward', 0));
    await twice(() => orchestration().recordReward({ trialId: 'idem-reward/0', reward: 0.75 }));
    expect((await getTrial(db(), 'idem-reward/0'))?.reward).toBe(0.75);
    expect(await listTrials(db(), 'idem-reward')).toHaveLength(1);
  });

  it('setSearchStatus and finishSearch', async () => {
    await orchestration().recordSearch(record('idem-status'));
    await twice(() => orchestration().setSearchStatus({ searchId: 'idem-status', status: 'paused' }));
    expect((await getSearch(db(), 'idem-status'))?.status).toBe('paused');
    await orchestration().prepareTrial(trial('idem-status', 0));
    await twice(() => orchestration().finishSearch({ searchId: 'idem-status', status: 'stopped' }));
    expect((await getSearch(db(), 'idem-status'))?.status).toBe('stopped');
    expect((await getTrial(db(), 'idem-status/0'))?.status).toBe('cancelled');
  });

  it('failSearch: once failed with the first message; a search never recorded stays absent', async () => {
    await orchestration().recordSearch(record('idem-fail'));
    await orchestration().prepareTrial(trial('idem-fail', 0));
    await twice(() =>
      orchestration().failSearch({ searchId: 'idem-fail', error: 'invalid request: trials: too many' }),
    );
    expect(await getSearch(db(), 'idem-fail')).toMatchObject({
      status: 'failed',
      error: 'invalid request: trials: too many',
    });
    expect((await getTrial(db(), 'idem-fail/0'))?.status).toBe('failed');
    await twice(() => orchestration().failSearch({ searchId: 'idem-never-recorded', error: 'x' }));
    expect(await getSearch(db(), 'idem-never-recorded')).toBeNull();
  });

  it('recordScalingStudy, recordScalingPoints and finishScalingStudy', async () => {
    await orchestration().recordSearch({ ...record('idem-study'), kind: 'scaling' });
    await twice(() => scaling().recordScalingStudy({ studyId: 'idem-study', base: 'tiny', config: { phiMax: 1 } }));
    await orchestration().prepareTrial(trial('idem-study', 0));
    const point = { method: 'grid' as const, phi: 1, alpha: 1, beta: 1, gamma: 1.4, trialId: 'idem-study/0' };
    await twice(() => scaling().recordScalingPoints({ studyId: 'idem-study', points: [point] }));
    expect(await listScalingPoints(db(), 'idem-study')).toHaveLength(1);
    await twice(() =>
      scaling().finishScalingStudy({ studyId: 'idem-study', status: 'finished', chosen: { gridIndex: 0 } }),
    );
    expect(await getScalingStudy(db(), 'idem-study')).toMatchObject({ status: 'finished', chosen: { gridIndex: 0 } });
  });
});
