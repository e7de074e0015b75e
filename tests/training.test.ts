import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentImage } from '../engine/augment.ts';
import { epochPermutation } from '../engine/batches.ts';
import { crossEntropy } from '../engine/metrics.ts';
import { withSeededMathRandom } from '../engine/seeded-random.ts';
import { CHANCE_LOSS_MIN_STEPS, stuckAtChance, trainModel, TrainingCancelledError } from '../engine/loop.ts';
import { createOptimizer, disposeOptimizer, scheduledLearningRate } from '../engine/optimizers.ts';
import { firstSamples, fixtureData, tinyModel, tinyProtocol, twinModel, weightValues } from './support/training.ts';

const protocol = tinyProtocol();
const fixture = fixtureData(protocol);
const { data } = fixture;
const small = firstSamples(data, 96, 64);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fixture.cleanup());

describe('trainModel', () => {
  it('learns the fixture well above chance and reports every epoch', async () => {
    const model = tinyModel();
    const seen: number[] = [];
    const progress: number[] = [];
    try {
      const result = await trainModel({
        model,
        data,
        protocol,
        onEpoch: (m) => void seen.push(m.epoch),
        onProgress: (p) => void progress.push(p.phase === 'train' ? p.batch : p.phase === 'recalibrate' ? -2 : -1),
      });
      expect(result.status).toBe('succeeded');
      expect(seen).toEqual([0, 1]);
      expect(result.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      // Training batches, then one 256-sample validation pass of 1 batch per epoch, and 1 test batch;
      // before each validation the batch norm is recalibrated on the training split's 13 batches (the
      // default asks for 20), not again before the test (no training step in between).
      expect(progress.filter((b) => b >= 0).length).toBe(2 * Math.ceil(400 / 32));
      expect(progress.filter((b) => b === -1).length).toBe(2 + 1);
      expect(progress.filter((b) => b === -2).length).toBe(2 * Math.ceil(400 / 32));
      expect(result.valAccuracy).toBeGreaterThan(0.5);
      expect(result.testAccuracy).toBeGreaterThan(0.5);
      expect(result.epochs[1].trainLoss).toBeLessThan(result.epochs[0].trainLoss);
      expect(result.samplesPerSecond).toBeGreaterThan(0);
      expect(result.trainSeconds).toBeGreaterThan(0);
    } finally {
      model.dispose();
    }
  });

  it('is reproducible: same seed and initial weights give the same curve, with augmentation', async () => {
    const augmented = { ...protocol, epochs: 1, augmentation: 'flip-shift' as const, lrSchedule: 'cosine' as const };
    const a = tinyModel();
    const b = twinModel(a);
    try {
      const ra = await trainModel({ model: a, data, protocol: augmented });
      const rb = await trainModel({ model: b, data, protocol: augmented });
      expect(rb.epochs[0].trainLoss).toBe(ra.epochs[0].trainLoss);
      expect(rb.valAccuracy).toBe(ra.valAccuracy);
      expect(weightValues(b)).toEqual(weightValues(a));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('seeds dropout masks: twin runs of a dropout model match, another seed differs', async () => {
    const short = { ...protocol, epochs: 1 };
    const a = tinyModel({ dropout: 0.5 });
    const b = twinModel(a, { dropout: 0.5 });
    const c = twinModel(a, { dropout: 0.5 });
    try {
      const ra = await trainModel({ model: a, data: small, protocol: short });
      const rb = await trainModel({ model: b, data: small, protocol: short });
      const rc = await trainModel({ model: c, data: small, protocol: { ...short, seed: short.seed + 1 } });
      expect(rb.epochs[0].trainLoss).toBe(ra.epochs[0].trainLoss);
      expect(weightValues(b)).toEqual(weightValues(a));
      expect(rc.epochs[0].trainLoss).not.toBe(ra.epochs[0].trainLoss);
    } finally {
      for (const m of [a, b, c]) m.dispose();
    }
  });

  it('seeded Math.random makes initial weights reproducible and is restored afterwards', () => {
    const original = Math.random;
    const models = ['s1', 's1', 's2'].map((seed) => withSeededMathRandom(seed, () => tinyModel()));
    try {
      expect(Math.random).toBe(original);
      expect(weightValues(models[1])).toEqual(weightValues(models[0]));
      expect(weightValues(models[2])[0]).not.toEqual(weightValues(models[0])[0]);
    } finally {
      for (const m of models) m.dispose();
    }
  });

  it('stops with status diverged on a NaN loss', async () => {
    const model = tinyModel();
    try {
      const result = await trainModel({
        model,
        data,
        // Recalibrated batch-norm statistics can keep such a network's outputs finite: this case is about NaN.
        protocol: { ...protocol, optimizer: 'sgd', learningRate: 1e38, bnRecalibrationBatches: 0 },
      });
      expect(result.status).toBe('diverged');
      expect(result.valAccuracy).toBeNull();
      expect(result.testAccuracy).toBeNull();
    } finally {
      model.dispose();
    }
  });

  it('ends as diverged when the loss stays at chance level after enough steps, not before', async () => {
    expect(stuckAtChance(Math.log(10), 10, CHANCE_LOSS_MIN_STEPS)).toBe(true);
    expect(stuckAtChance(Math.log(10) - 0.01, 10, CHANCE_LOSS_MIN_STEPS)).toBe(false);
    expect(stuckAtChance(5, 10, CHANCE_LOSS_MIN_STEPS - 1)).toBe(false);
    const model = tinyModel();
    try {
      const long = { ...protocol, epochs: 8, optimizer: 'adam' as const, learningRate: 1e9 };
      expect(long.epochs * Math.ceil(data.trainY.length / long.batchSize)).toBeGreaterThanOrEqual(
        CHANCE_LOSS_MIN_STEPS,
      );
      const result = await trainModel({ model, data, protocol: long });
      expect(result.status).toBe('diverged');
    } finally {
      model.dispose();
    }
  });

  it('leaks no tensors, for every optimizer, and is steady across epochs', async () => {
    for (const optimizer of ['adam', 'sgd', 'momentum', 'rmsprop'] as const) {
      const before = tf.memory().numTensors;
      const model = tinyModel();
      const perEpoch: number[] = [];
      await trainModel({
        model,
        data: small,
        protocol: { ...protocol, epochs: 3, optimizer, lrSchedule: 'cosine' },
        onEpoch: () => void perEpoch.push(tf.memory().numTensors),
      });
      // Optimizer slots are created on the first step, so epochs 1 and 2 must match exactly.
      expect(perEpoch[2], optimizer).toBe(perEpoch[1]);
      model.dispose();
      expect(tf.memory().numTensors, optimizer).toBe(before);
    }
  });

  it('accumulates micro-batch gradients into the same step as the whole batch, leaking nothing', async () => {
    const short = { ...protocol, epochs: 1, optimizer: 'sgd' as const };
    const whole = tinyModel({ batchNorm: false });
    const accumulated = twinModel(whole, { batchNorm: false });
    const before = tf.memory().numTensors;
    try {
      const a = await trainModel({ model: whole, data: small, protocol: short });
      const b = await trainModel({ model: accumulated, data: small, protocol: short, microBatchSize: 10 });
      expect(a.microBatchSize).toBe(short.batchSize);
      expect(b.microBatchSize).toBe(10);
      expect(b.epochs[0].trainLoss).toBeCloseTo(a.epochs[0].trainLoss, 5);
      expect(b.epochs[0].trainAccuracy).toBe(a.epochs[0].trainAccuracy);
      const [wa, wb] = [weightValues(whole), weightValues(accumulated)];
      for (let i = 0; i < wa.length; i++) {
        const scale = Math.max(...wa[i].map(Math.abs));
        const worst = Math.max(...wa[i].map((v, j) => Math.abs(v - wb[i][j])));
        expect(worst / scale).toBeLessThan(1e-5);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      whole.dispose();
      accumulated.dispose();
    }
  });

  it('throws TrainingCancelledError between batches when aborted, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const model = tinyModel();
    const controller = new AbortController();
    const reason = new Error('stop now');
    let batches = 0;
    const run = trainModel({
      model,
      data,
      protocol,
      signal: controller.signal,
      onProgress: () => {
        batches++;
        // Aborting during the third training batch's callback: the fourth never starts.
        if (batches === 3) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    await run.catch((err: TrainingCancelledError) => expect(err.reason).toBe(reason));
    expect(batches).toBe(3);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects data that does not fit the model input, naming the field', async () => {
    const model = tinyModel();
    try {
      await expect(trainModel({ model, data: { ...data, valX: data.valX.subarray(1) }, protocol })).rejects.toThrow(
        /data\.valX has 156799 values, expected 200 labels x 28x28x1 = 156800/,
      );
    } finally {
      model.dispose();
    }
  });
});

describe('training pieces', () => {
  it('cross-entropy is finite for a zero probability but NaN when the network output is NaN', () => {
    const loss = (p: number[][], labels: number[]) =>
      tf.tidy(() => crossEntropy(tf.tensor2d(p), tf.tensor1d(labels, 'int32')).dataSync()[0]);
    expect(
      loss(
        [
          [1, 0],
          [0.5, 0.5],
        ],
        [0, 1],
      ),
    ).toBeCloseTo(Math.log(2) / 2, 5);
    expect(loss([[1, 0]], [1])).toBeCloseTo(-Math.log(1e-7), 3);
    expect(loss([[NaN, NaN]], [0])).toBeNaN();
  });

  it('cosine schedule starts at the rate, halves midway and ends near zero', () => {
    const p = { learningRate: 0.1, lrSchedule: 'cosine' as const };
    expect(scheduledLearningRate(p, 0, 100)).toBeCloseTo(0.1, 10);
    expect(scheduledLearningRate(p, 50, 100)).toBeCloseTo(0.05, 10);
    expect(scheduledLearningRate(p, 99, 100)).toBeLessThan(0.001);
    expect(scheduledLearningRate({ learningRate: 0.1, lrSchedule: 'constant' }, 99, 100)).toBe(0.1);
  });

  it('names the allowed optimizers for an unknown one', () => {
    expect(() => createOptimizer({ optimizer: 'lion' as never, learningRate: 0.1 })).toThrow(
      /protocol\.optimizer must be one of adam, sgd, momentum, rmsprop, got lion/,
    );
    const optimizer = createOptimizer({ optimizer: 'momentum', learningRate: 0.1 });
    disposeOptimizer(optimizer);
  });

  it('epoch permutations are seeded per epoch', () => {
    const a = Array.from(epochPermutation(50, 1, 0));
    expect(Array.from(epochPermutation(50, 1, 0))).toEqual(a);
    expect(Array.from(epochPermutation(50, 1, 1))).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('flip-shift mirrors and shifts within bounds, filling with zeros', () => {
    const shape = [4, 4, 1] as const;
    const source = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const target = new Float32Array(16);
    // rng values: flip (0.1 < 0.5 -> flip), dy = floor(0.5*5)-2 = 0, dx = floor(0.7*5)-2 = 1.
    const values = [0.1, 0.5, 0.7];
    augmentImage(source, target, shape, () => values.shift()!);
    // Row 0 of the source is 1 2 3 4; mirrored 4 3 2 1; shifted right by one: 0 4 3 2.
    expect(Array.from(target.subarray(0, 4))).toEqual([0, 4, 3, 2]);
    expect(Array.from(target.subarray(12, 16))).toEqual([0, 16, 15, 14]);
  });
});
