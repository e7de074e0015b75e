import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointEpoch, restoreCheckpoint, serializeCheckpoint } from '../engine/checkpoint.ts';
import { trainModel, TrainingCancelledError } from '../engine/loop.ts';
import { createOptimizer, disposeOptimizer } from '../engine/optimizers.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { fixtureData, tinyModel, tinyProtocol, twinModel, weightValues } from './support/training.ts';

const base = tinyProtocol({ trainSize: 160, valSize: 64, testSize: 32, epochs: 2 });
const fixture = fixtureData(base);
const { data } = fixture;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fixture.cleanup());

/** Trains epoch 0, checkpointing at its end and then dying as a killed worker would. */
async function trainFirstEpochThenDie(model: tf.LayersModel, protocol: TrainingProtocol): Promise<Uint8Array> {
  const optimizer = createOptimizer(protocol);
  const controller = new AbortController();
  let bytes: Uint8Array | undefined;
  try {
    await trainModel({
      model,
      data,
      protocol,
      optimizer,
      signal: controller.signal,
      onEpoch: async (m) => {
        bytes = await serializeCheckpoint({ epoch: m.epoch, model, optimizer });
        controller.abort(new Error('worker died'));
      },
    });
    throw new Error('expected the run to be cut short');
  } catch (err) {
    if (!(err instanceof TrainingCancelledError)) throw err;
  } finally {
    disposeOptimizer(optimizer);
  }
  return bytes!;
}

describe('checkpoints', () => {
  for (const optimizer of ['adam', 'momentum', 'rmsprop'] as const) {
    it(`resuming from an epoch checkpoint equals training uninterrupted (${optimizer}, cosine, flip-shift)`, async () => {
      const protocol: TrainingProtocol = { ...base, optimizer, lrSchedule: 'cosine', augmentation: 'flip-shift' };
      // The default protocol's batch-norm recalibration before every evaluation is part of what resumes.
      expect(protocol.bnRecalibrationBatches).toBeGreaterThan(0);
      const before = tf.memory().numTensors;
      const uninterrupted = tinyModel();
      const interrupted = twinModel(uninterrupted);
      const resumed = tinyModel();
      const fresh = createOptimizer(protocol);
      try {
        const full = await trainModel({ model: uninterrupted, data, protocol });
        const bytes = await trainFirstEpochThenDie(interrupted, protocol);
        expect(checkpointEpoch(bytes)).toBe(0);
        const { epoch } = await restoreCheckpoint(bytes, { model: resumed, optimizer: fresh });
        const rest = await trainModel({ model: resumed, data, protocol, optimizer: fresh, startEpoch: epoch + 1 });
        expect(rest.epochs.map((e) => e.epoch)).toEqual([1]);
        expect(rest.epochs[0].trainLoss).toBe(full.epochs[1].trainLoss);
        expect(rest.valAccuracy).toBe(full.valAccuracy);
        const a = weightValues(uninterrupted);
        const b = weightValues(resumed);
        a.forEach((values, i) => expect(Array.from(b[i])).toEqual(Array.from(values)));
      } finally {
        for (const model of [uninterrupted, interrupted, resumed]) model.dispose();
        disposeOptimizer(fresh);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('refuses a checkpoint of another architecture or optimizer, naming the mismatch', async () => {
    const model = tinyModel();
    const optimizer = createOptimizer(base);
    const bytes = await serializeCheckpoint({ epoch: 3, model, optimizer });
    const input = tf.input({ shape: [28, 28, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const other = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(flat) as tf.SymbolicTensor });
    const sgd = createOptimizer({ ...base, optimizer: 'sgd' });
    try {
      await expect(restoreCheckpoint(bytes, { model: other, optimizer })).rejects.toThrow(
        /holds 8 model weights, the model has 2/,
      );
      await expect(restoreCheckpoint(bytes, { model, optimizer: sgd })).rejects.toThrow(
        /holds Adam optimizer state, the optimizer is SGD/,
      );
      await expect(restoreCheckpoint(bytes.subarray(0, bytes.length - 8), { model, optimizer })).rejects.toThrow(
        /truncated data/,
      );
      await expect(restoreCheckpoint(new Uint8Array(20), { model, optimizer })).rejects.toThrow(/not a checkpoint/);
    } finally {
      model.dispose();
      other.dispose();
      disposeOptimizer(optimizer);
      disposeOptimizer(sgd);
    }
  });

  it('restores from an unaligned copy of the bytes (as a database driver may return them)', async () => {
    const model = tinyModel();
    const optimizer = createOptimizer(base);
    const target = tinyModel();
    const targetOptimizer = createOptimizer(base);
    try {
      const bytes = await serializeCheckpoint({ epoch: 0, model, optimizer });
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      await restoreCheckpoint(shifted.subarray(1), { model: target, optimizer: targetOptimizer });
      expect(weightValues(target)).toEqual(weightValues(model));
    } finally {
      for (const m of [model, target]) m.dispose();
      for (const o of [optimizer, targetOptimizer]) disposeOptimizer(o);
    }
  });
});
