import { beforeAll, expect, it } from 'vitest';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../db/queries/checkpoints.ts';
import { getSearch, setSearchStatus, upsertSearch } from '../db/queries/searches.ts';
import {
  cancelOpenTrials,
  enqueueTrial,
  failOpenTrials,
  findReusableTrial,
  finishTrial,
  getTrial,
  listEpochs,
  listTrials,
  markTrialRunning,
  recordEpoch,
} from '../db/queries/trials.ts';
import { addTrial, createSearch, runTrial, seedCatalogue } from './support/db-fixtures.ts';
import { describeEachDriver } from './support/db-helpers.ts';

const ON = { worker: 'trainer-1', backend: 'wasm', device: 'cpu' };

describeEachDriver('trial records', (db) => {
  beforeAll(async () => {
    await seedCatalogue(db());
  });

  it('records a search once and keeps an ended search ended', async () => {
    const first = await upsertSearch(db(), {
      id: 's-search',
      kind: 'search',
      space: 'nasnet',
      strategy: 'evolution',
      seed: 3,
      trialsRequested: 5,
      config: { nested: { a: [1, 2] } },
    });
    expect(first).toMatchObject({ status: 'running', seed: 3, config: { nested: { a: [1, 2] } }, finishedAt: null });
    const again = await upsertSearch(db(), { ...first, kind: 'search', strategy: 'random', config: {} });
    expect(again.strategy).toBe('evolution');

    expect(await setSearchStatus(db(), 's-search', 'paused')).toBe(true);
    expect(await setSearchStatus(db(), 's-search', 'finished')).toBe(true);
    expect(await setSearchStatus(db(), 's-search', 'running')).toBe(false);
    const ended = await getSearch(db(), 's-search');
    expect(ended?.status).toBe('finished');
    expect(ended?.finishedAt).toBeInstanceOf(Date);
    await expect(setSearchStatus(db(), 's-search', 'done' as never)).rejects.toThrow(
      "search status: 'done' is not one of running, paused, stopping, finished, stopped, failed",
    );
    expect(await getSearch(db(), 'nope')).toBeNull();
  });

  it('enqueues a trial once, however often the write is retried', async () => {
    await createSearch(db(), 's-enqueue');
    const input = {
      id: 's-enqueue/0',
      searchId: 's-enqueue',
      trialIndex: 0,
      archHash: 'arch-1',
      protocolHash: 'proto-a',
      params: 2000,
      flops: 100_000,
      fidelity: 2,
    };
    const first = await enqueueTrial(db(), input);
    expect(first).toMatchObject({ status: 'queued', attempts: 0, fidelity: 2, params: 2000, flops: 100_000 });
    await markTrialRunning(db(), input.id, ON);
    const second = await enqueueTrial(db(), input);
    expect(second.status).toBe('running');
    expect(await listTrials(db(), 's-enqueue')).toHaveLength(1);

    await expect(enqueueTrial(db(), { ...input, archHash: 'arch-2' })).rejects.toThrow(
      'trial s-enqueue/0: already recorded with architecture arch-1 / protocol proto-a, not arch-2 / proto-a',
    );
    await expect(enqueueTrial(db(), { ...input, id: 's-enqueue/7' })).rejects.toThrow(
      "trial id: 's-enqueue/7' must be 's-enqueue/0' (searchId/trialIndex)",
    );
  });

  it('counts attempts, and a finished trial cannot be restarted or finished again', async () => {
    await createSearch(db(), 's-finish');
    const id = await addTrial(db(), 's-finish', { index: 0, arch: 0 });
    expect((await markTrialRunning(db(), id, ON))?.attempts).toBe(1);
    const retry = await markTrialRunning(db(), id, { ...ON, worker: 'trainer-2' });
    expect(retry).toMatchObject({ status: 'running', attempts: 2, worker: 'trainer-2' });
    expect(retry?.startedAt).toBeInstanceOf(Date);

    const outcome = { status: 'succeeded' as const, valAccuracy: 0.8125, testAccuracy: 0.75, trainSeconds: 12.5 };
    expect(await finishTrial(db(), id, outcome)).toBe(true);
    expect(await finishTrial(db(), id, outcome)).toBe(false);
    expect(await finishTrial(db(), id, { status: 'failed', error: 'late worker crash' })).toBe(false);
    expect(await markTrialRunning(db(), id, ON)).toBeNull();
    expect(await cancelOpenTrials(db(), 's-finish', 'stopped')).toBe(0);

    const row = await getTrial(db(), id);
    expect(row).toMatchObject({
      status: 'succeeded',
      valAccuracy: 0.8125,
      testAccuracy: 0.75,
      error: null,
      attempts: 2,
    });
    expect(row?.finishedAt).toBeInstanceOf(Date);
  });

  it('allows only the moves of the trial state machine', async () => {
    await createSearch(db(), 's-guard');
    const queued = await addTrial(db(), 's-guard', { index: 0, arch: 0 });
    // queued -> succeeded skips running: refused.
    expect(await finishTrial(db(), queued, { status: 'succeeded', valAccuracy: 0.9 })).toBe(false);
    expect(await finishTrial(db(), queued, { status: 'diverged' })).toBe(false);
    expect(await finishTrial(db(), queued, { status: 'over_budget', error: 'params 9e6 > 1e6' })).toBe(true);
    expect((await getTrial(db(), queued))?.status).toBe('over_budget');

    const running = await addTrial(db(), 's-guard', { index: 1, arch: 1 });
    await markTrialRunning(db(), running, ON);
    // running -> reused: a trial that started training is not reused any more.
    expect(await finishTrial(db(), running, { status: 'reused', reusedFrom: queued })).toBe(false);
    expect(await finishTrial(db(), running, { status: 'diverged', valAccuracy: Number.NaN })).toBe(true);
    expect((await getTrial(db(), running))?.valAccuracy).toBeNull();
    expect(await finishTrial(db(), running, { status: 'over_budget' })).toBe(false);

    // running -> over_budget: the trainer measured a latency above --max-latency before training.
    const measured = await addTrial(db(), 's-guard', { index: 2, arch: 2 });
    await markTrialRunning(db(), measured, ON);
    expect(
      await finishTrial(db(), measured, { status: 'over_budget', error: 'latency 9 ms exceeds 5 ms', latencyMs: 9 }),
    ).toBe(true);
    expect(await getTrial(db(), measured)).toMatchObject({
      status: 'over_budget',
      latencyMs: 9,
      error: 'latency 9 ms exceeds 5 ms',
    });

    await expect(finishTrial(db(), running, { status: 'running' as never })).rejects.toThrow(
      "finishTrial status: 'running' is not a final state; allowed: succeeded, failed, diverged, over_budget, reused, cancelled",
    );
    await expect(finishTrial(db(), queued, { status: 'reused' })).rejects.toThrow("status 'reused' needs reusedFrom");
  });

  it('cancels or fails only the open trials of one search', async () => {
    await createSearch(db(), 's-cancel');
    await createSearch(db(), 's-other');
    const queued = await addTrial(db(), 's-cancel', { index: 0, arch: 0 });
    const running = await addTrial(db(), 's-cancel', { index: 1, arch: 1 });
    const done = await addTrial(db(), 's-cancel', { index: 2, arch: 2 });
    const elsewhere = await addTrial(db(), 's-other', { index: 0, arch: 0 });
    await markTrialRunning(db(), running, ON);
    await runTrial(db(), done, { status: 'succeeded', valAccuracy: 0.5 });

    expect(await cancelOpenTrials(db(), 's-cancel', 'search stopped by user')).toBe(2);
    expect(await cancelOpenTrials(db(), 's-cancel', 'search stopped by user')).toBe(0);
    const rows = await listTrials(db(), 's-cancel');
    expect(rows.map((r) => [r.id, r.status, r.error])).toEqual([
      [queued, 'cancelled', 'search stopped by user'],
      [running, 'cancelled', 'search stopped by user'],
      [done, 'succeeded', null],
    ]);
    expect((await getTrial(db(), elsewhere))?.status).toBe('queued');
    expect(await failOpenTrials(db(), 's-other', 'workflow failed')).toBe(1);
    expect(await getTrial(db(), elsewhere)).toMatchObject({ status: 'failed', error: 'workflow failed' });
  });

  it('stores one row per epoch, a retried epoch replacing the first write', async () => {
    await createSearch(db(), 's-epochs');
    const id = await addTrial(db(), 's-epochs', { index: 0, arch: 0 });
    const epoch = (n: number, acc: number) => ({
      epoch: n,
      trainLoss: 1 / (n + 1),
      trainAccuracy: acc,
      valLoss: 1.5 / (n + 1),
      valAccuracy: acc - 0.05,
      seconds: 3.25,
    });
    await recordEpoch(db(), id, epoch(1, 0.5));
    await recordEpoch(db(), id, epoch(0, 0.25));
    await recordEpoch(db(), id, epoch(1, 0.625));
    expect(await listEpochs(db(), id)).toEqual([epoch(0, 0.25), epoch(1, 0.625)]);
    expect(await listEpochs(db(), 'no/such')).toEqual([]);
  });

  it('finds an earlier self-trained result for the same architecture and protocol', async () => {
    await createSearch(db(), 's-reuse-1');
    await createSearch(db(), 's-reuse-2');
    const failed = await addTrial(db(), 's-reuse-1', { index: 0, arch: 3 });
    await runTrial(db(), failed, { status: 'failed', error: 'OOM' });
    expect(await findReusableTrial(db(), 'arch-3', 'proto-a', 1, 'x/0')).toBeNull();

    const trained = await addTrial(db(), 's-reuse-1', { index: 1, arch: 3 });
    await runTrial(db(), trained, {
      status: 'succeeded',
      valAccuracy: 0.875,
      testAccuracy: 0.86,
      reward: 0.8,
      trainSeconds: 40,
    });
    const otherProtocol = await addTrial(db(), 's-reuse-1', { index: 2, arch: 4, protocol: 'proto-b' });
    await runTrial(db(), otherProtocol, { status: 'succeeded', valAccuracy: 0.9 });

    expect((await findReusableTrial(db(), 'arch-3', 'proto-a', 1, 's-reuse-2/0'))?.id).toBe(trained);
    expect(await findReusableTrial(db(), 'arch-3', 'proto-a', 1, trained)).toBeNull();
    expect(await findReusableTrial(db(), 'arch-4', 'proto-a', 1, 's-reuse-2/0')).toBeNull();

    const reuser = await addTrial(db(), 's-reuse-2', { index: 0, arch: 3 });
    expect(await finishTrial(db(), reuser, { status: 'reused', reusedFrom: trained })).toBe(true);
    expect(await getTrial(db(), reuser)).toMatchObject({
      status: 'reused',
      reusedFrom: trained,
      valAccuracy: 0.875,
      testAccuracy: 0.86,
      reward: 0.8,
      trainSeconds: 40,
      attempts: 0,
    });
    // The reused row is never itself a source.
    expect(await findReusableTrial(db(), 'arch-3', 'proto-a', 1, trained)).toBeNull();
    await expect(finishTrial(db(), 's-reuse-2/9', { status: 'reused', reusedFrom: 'missing/1' })).rejects.toThrow(
      "reusedFrom trial 'missing/1' does not exist",
    );
  });

  it('round-trips checkpoint bytes and never replaces a newer epoch with an older one', async () => {
    await createSearch(db(), 's-ckpt');
    const id = await addTrial(db(), 's-ckpt', { index: 0, arch: 0 });
    expect(await loadCheckpoint(db(), id)).toBeNull();
    const bytes = (seed: number) => Uint8Array.from({ length: 70_000 }, (_, i) => (i * seed + 7) % 256);
    expect(await saveCheckpoint(db(), id, 2, bytes(3))).toBe(true);
    expect(await saveCheckpoint(db(), id, 1, bytes(5))).toBe(false);
    const loaded = await loadCheckpoint(db(), id);
    expect(loaded?.epoch).toBe(2);
    expect(loaded?.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(loaded!.bytes).equals(Buffer.from(bytes(3)))).toBe(true);

    expect(await saveCheckpoint(db(), id, 2, bytes(11))).toBe(true);
    expect(await saveCheckpoint(db(), id, 3, new Uint8Array(0))).toBe(true);
    expect((await loadCheckpoint(db(), id))?.bytes.length).toBe(0);
    await deleteCheckpoint(db(), id);
    expect(await loadCheckpoint(db(), id)).toBeNull();
  });
});
