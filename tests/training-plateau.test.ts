import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureHash } from '../cells/index.ts';
import type { Architecture } from '../contracts/genotypes.ts';
import type { EpochMetrics } from '../contracts/activities.ts';
import { plateauReached } from '../contracts/plateau.ts';
import { selectBackend } from '../engine/backend.ts';
import { TrainingCancelledError } from '../engine/loop.ts';
import { runTraining, type TrainedRun, type TrainingJob } from '../engine/run-training.ts';
import { fixtureData, tinyProtocol } from './support/training.ts';

const CAP = 25;
const protocol = tinyProtocol({
  trainSize: 160,
  valSize: 64,
  testSize: 32,
  epochs: CAP,
  bnRecalibrationBatches: 0,
  plateau: { patience: 2, minDelta: 0.02 },
});
const fixture = fixtureData(protocol);
const architecture: Architecture = { family: 'baseline', version: 1, name: 'lenet5' };
const job: TrainingJob = {
  trialId: 'plateau/0',
  architecture,
  archHash: architectureHash(architecture),
  protocol,
  data: fixture.data,
  checkpoint: null,
};

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1, log: () => {} });
});
afterAll(() => fixture.cleanup());

interface Recorded {
  run: TrainedRun | null;
  epochs: EpochMetrics[];
  checkpoints: Uint8Array[];
  unusable: string[];
}

/** Runs the job; with `dieAfter`, the worker dies once that epoch's checkpoint is stored. */
async function train(checkpoint: Uint8Array | null, dieAfter?: number): Promise<Recorded> {
  const recorded: Recorded = { run: null, epochs: [], checkpoints: [], unusable: [] };
  const controller = new AbortController();
  try {
    recorded.run = await runTraining(
      { ...job, checkpoint, latency: undefined },
      {
        signal: controller.signal,
        onStart: () => {},
        onProgress: () => {},
        onEpoch: async (metrics, bytes) => {
          recorded.epochs.push(metrics);
          recorded.checkpoints.push(bytes);
          if (metrics.epoch === dieAfter) controller.abort(new Error('worker killed'));
        },
        onUnusableCheckpoint: async (reason) => {
          recorded.unusable.push(reason);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof TrainingCancelledError) || dieAfter === undefined) throw err;
  }
  return recorded;
}

describe('plateau budget in the training loop', () => {
  let full: Recorded;

  it('a real training stops once its validation accuracy has levelled off, before the cap', async () => {
    full = await train(null);
    const curve = full.epochs.map((e) => e.valAccuracy);
    expect(full.run!.outcome.status).toBe('succeeded');
    expect(curve.length).toBeGreaterThan(protocol.plateau!.patience);
    expect(curve.length).toBeLessThan(CAP);
    expect(plateauReached(curve, protocol.plateau!)).toBe(true);
    expect(plateauReached(curve.slice(0, -1), protocol.plateau!)).toBe(false);
    expect(full.run!.outcome.valAccuracy).toBe(curve[curve.length - 1]);
    expect(full.run!.outcome.testAccuracy).not.toBeNull();
  });

  it('a worker killed after the stopping epoch: the retry trains nothing more and reports the same accuracies', async () => {
    const last = full.epochs.length - 1;
    const killed = await train(null, last);
    expect(killed.run).toBeNull();
    const retry = await train(killed.checkpoints[last]);
    expect(retry.unusable).toEqual([]);
    expect(retry.run!.startEpoch).toBe(last + 1);
    expect(retry.epochs).toEqual([]);
    expect(retry.run!.outcome.valAccuracy).toBe(full.run!.outcome.valAccuracy);
    expect(retry.run!.outcome.testAccuracy).toBe(full.run!.outcome.testAccuracy);
  });

  it('a worker killed mid-way: the retry stops at the same epoch with the same curve', async () => {
    const killed = await train(null, 1);
    const retry = await train(killed.checkpoints[1]);
    expect(retry.run!.startEpoch).toBe(2);
    const curve = [...killed.epochs, ...retry.epochs].map((e) => [e.epoch, e.valAccuracy]);
    expect(curve).toEqual(full.epochs.map((e) => [e.epoch, e.valAccuracy]));
    expect(retry.run!.outcome.testAccuracy).toBe(full.run!.outcome.testAccuracy);
  });

  it('a checkpoint without the learning curve cannot resume a plateau budget: training starts again', async () => {
    const killed = await train(null, 0);
    const retry = await train(withoutCurve(killed.checkpoints[0]), 0);
    expect(retry.unusable[0]).toMatch(/plateau budget needs the whole learning curve/);
    expect(retry.epochs.map((e) => e.epoch)).toEqual([0]);
  });
});

/** The checkpoint as one written before checkpoints carried the curve (engine/checkpoint.ts's layout). */
function withoutCurve(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  expect(header.valAccuracies).toHaveLength(1);
  delete header.valAccuracies;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const align4 = (n: number) => Math.ceil(n / 4) * 4;
  const data = bytes.subarray(align4(12 + length));
  const out = new Uint8Array(align4(12 + json.length) + data.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, align4(12 + json.length));
  return out;
}
