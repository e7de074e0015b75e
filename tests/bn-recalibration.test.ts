/**
 * Batch-norm recalibration (engine/bn-recalibration.ts): the moving statistics become the exact
 * statistics of the recalibration batches, computed here by hand, and nothing else changes; the
 * protocol field, its hash, its validation and the CLI default.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusedBatchNormalization } from '../cells/builders/batch-norm.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { protocolFromFlags, searchRequestFromFlags } from '../cli/search-request.ts';
import { recalibrationPermutation } from '../engine/batches.ts';
import { recalibrateBatchNorm } from '../engine/bn-recalibration.ts';
import { trainModel } from '../engine/loop.ts';
import { evaluate } from '../engine/metrics.ts';
import { createOptimizer, disposeOptimizer } from '../engine/optimizers.ts';
import { DEFAULT_PROTOCOL, ENGINE_VERSION, protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { fixtureData, tinyModel, tinyProtocol, twinModel, weightValues } from './support/training.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const [H, W, C, FILTERS] = [2, 2, 3, 2];
const EPSILON = 1e-3; // tfjs-layers' default
const COUNT = 17;
const BATCH = 4;
const SEED = 7;

/** Inputs whose channels have different means and spreads: x[n, h, w, c]. */
function inputs(): Float32Array {
  const x = new Float32Array(COUNT * H * W * C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    x[i] = (c + 1) * Math.sin(1.3 * i) + 2 * c - 1;
  }
  return x;
}

const GAMMA1 = [1.5, 0.5, 2];
const BETA1 = [0.1, -0.2, 0.3];
const KERNEL = [0.5, -1, 2, 0.25, -0.75, 1]; // [c][k], 1x1
const BIAS = [0.2, -0.4];

/** Fused batch norm, a 1x1 convolution, stock batch norm, a dense head; weights fixed, moving statistics off. */
function model(): tf.LayersModel {
  const input = tf.input({ shape: [H, W, C] });
  const bn1 = new FusedBatchNormalization({ momentum: 0.9 });
  const conv = tf.layers.conv2d({ filters: FILTERS, kernelSize: 1 });
  const bn2 = tf.layers.batchNormalization({ momentum: 0.99 });
  const dense = tf.layers.dense({ units: 10, activation: 'softmax' });
  const output = dense.apply(tf.layers.flatten().apply(bn2.apply(conv.apply(bn1.apply(input))))) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: output });
  bn1.setWeights([tf.tensor1d(GAMMA1), tf.tensor1d(BETA1), tf.tensor1d([0.5, 0.5, 0.5]), tf.tensor1d([7, 7, 7])]);
  conv.setWeights([tf.tensor4d(KERNEL, [1, 1, C, FILTERS]), tf.tensor1d(BIAS)]);
  bn2.setWeights([tf.tensor1d([1.2, 0.8]), tf.tensor1d([0.05, -0.05]), tf.tensor1d([3, 3]), tf.tensor1d([0.1, 0.1])]);
  return m;
}

/** Mean and population variance per channel of rows of `channels` values. */
function statistics(rows: number[][], channels: number): { mean: number[]; variance: number[] } {
  const mean = Array.from({ length: channels }, (_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);
  const variance = Array.from(
    { length: channels },
    (_, c) => rows.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / rows.length,
  );
  return { mean, variance };
}

/**
 * By hand, in float64: the first `batches` batches of the seeded order; each batch normalised by
 * its own statistics in the first layer (as in training), then the 1x1 convolution.
 */
function expectedStatistics(x: Float32Array, batches: number) {
  const order = recalibrationPermutation(COUNT, SEED);
  const pixels = (n: number) =>
    Array.from({ length: H * W }, (_, p) => Array.from({ length: C }, (_, c) => x[(n * H * W + p) * C + c]));
  const first: number[][] = [];
  const second: number[][] = [];
  const batchVariances: number[][] = [];
  for (let b = 0; b < batches; b++) {
    const rows = Array.from(order.subarray(b * BATCH, (b + 1) * BATCH)).flatMap(pixels);
    const own = statistics(rows, C);
    batchVariances.push(own.variance);
    first.push(...rows);
    for (const row of rows) {
      const y = row.map((v, c) => (GAMMA1[c] * (v - own.mean[c])) / Math.sqrt(own.variance[c] + EPSILON) + BETA1[c]);
      second.push(
        Array.from({ length: FILTERS }, (_, k) => BIAS[k] + y.reduce((s, v, c) => s + v * KERNEL[c * FILTERS + k], 0)),
      );
    }
  }
  const meanOfBatchVariances = Array.from(
    { length: C },
    (_, c) => batchVariances.reduce((s, v) => s + v[c], 0) / batches,
  );
  return { bn1: statistics(first, C), bn2: statistics(second, FILTERS), meanOfBatchVariances };
}

/** getWeights: the trainable weights (bn1 gamma, beta, conv, bn2 gamma, beta, dense), then bn1's and bn2's moving mean and variance. */
const MOVING = new Set([8, 9, 10, 11]);

function expectClose(actual: Float32Array, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
}

describe('recalibrateBatchNorm', () => {
  it('sets each layer to the exact mean and population variance of its inputs over the batches, and nothing else', async () => {
    const m = model();
    const x = inputs();
    const trainY = new Int32Array(COUNT).map((_, i) => i % 10);
    // Optimizer state to leave alone: one Adam step on the model.
    const optimizer = createOptimizer(DEFAULT_PROTOCOL);
    tf.tidy(() => {
      const xb = tf.tensor4d(x, [COUNT, H, W, C]);
      optimizer.minimize(
        () => tf.mean(m.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar,
        false,
        m.trainableWeights.map((w) => w.read() as tf.Variable),
      );
    });
    // The step moved the moving statistics a little; restore them to the distinctive initial values.
    m.layers[1].setWeights([
      tf.tensor1d(GAMMA1),
      tf.tensor1d(BETA1),
      tf.tensor1d([0.5, 0.5, 0.5]),
      tf.tensor1d([7, 7, 7]),
    ]);
    const before = weightValues(m);
    const optimizerBefore = (await optimizer.getWeights()).map((w) => w.tensor.dataSync().slice());
    const tensors = tf.memory().numTensors;

    const used = await recalibrateBatchNorm(m, {
      trainX: x,
      trainY,
      imageShape: [H, W, C],
      batches: 3,
      batchSize: BATCH,
      seed: SEED,
    });

    expect(used).toBe(3);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = weightValues(m);
    const { bn1, bn2 } = expectedStatistics(x, 3);
    expectClose(after[8], bn1.mean);
    expectClose(after[9], bn1.variance);
    expectClose(after[10], bn2.mean);
    expectClose(after[11], bn2.variance);
    // Not the mean of per-batch variances (PyTorch's update_bn), nor over more batches than asked.
    const { meanOfBatchVariances } = expectedStatistics(x, 3);
    expect(Math.max(...meanOfBatchVariances.map((v, c) => Math.abs(after[9][c] - v)))).toBeGreaterThan(1e-2);
    expect(Math.abs(after[9][0] - expectedStatistics(x, 4).bn1.variance[0])).toBeGreaterThan(1e-3);
    after.forEach((values, i) => {
      if (!MOVING.has(i)) expect(Array.from(values), `weight ${i}`).toEqual(Array.from(before[i]));
    });
    expect((await optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync()))).toEqual(
      optimizerBefore.map((v) => Array.from(v)),
    );
    // The layers train and infer as before: their own `call` is back.
    expect(Object.hasOwn(m.layers[1], 'call')).toBe(false);
    disposeOptimizer(optimizer);
    m.dispose();
  });

  it('uses every batch of the training split when asked for more, the same ones each time', async () => {
    const m = model();
    const x = inputs();
    const options = {
      trainX: x,
      trainY: new Int32Array(COUNT),
      imageShape: [H, W, C] as [number, number, number],
      batchSize: BATCH,
      seed: SEED,
    };
    expect(await recalibrateBatchNorm(m, { ...options, batches: 100 })).toBe(5);
    const once = weightValues(m);
    expectClose(once[8], expectedStatistics(x, 5).bn1.mean);
    expectClose(once[11], expectedStatistics(x, 5).bn2.variance);
    expect(await recalibrateBatchNorm(m, { ...options, batches: 100 })).toBe(5);
    expect(weightValues(m).map((v) => Array.from(v))).toEqual(once.map((v) => Array.from(v)));
    m.dispose();
  });

  it('changes nothing with 0 batches', async () => {
    const m = model();
    const before = weightValues(m);
    expect(
      await recalibrateBatchNorm(m, {
        trainX: inputs(),
        trainY: new Int32Array(COUNT),
        imageShape: [H, W, C],
        batches: 0,
        batchSize: BATCH,
        seed: SEED,
      }),
    ).toBe(0);
    expect(weightValues(m).map((v) => Array.from(v))).toEqual(before.map((v) => Array.from(v)));
    m.dispose();
  });
});

describe('trainModel with recalibration', () => {
  const protocol = tinyProtocol({ epochs: 1 });
  const fixture = fixtureData(protocol);
  afterAll(() => fixture.cleanup());

  const train = async (m: tf.LayersModel, bnRecalibrationBatches: number | undefined) => {
    const p: TrainingProtocol = { ...protocol, bnRecalibrationBatches };
    if (bnRecalibrationBatches === undefined) delete p.bnRecalibrationBatches;
    return trainModel({ model: m, data: fixture.data, protocol: p });
  };

  it('trains the same weights, evaluates with the recalibrated statistics; 0 is the same as absent', async () => {
    const on = tinyModel({ dropout: 0.2 });
    const off = twinModel(on, { dropout: 0.2 });
    const absent = twinModel(on, { dropout: 0.2 });
    const tensors = tf.memory().numTensors;
    const [withIt, without, withoutField] = [await train(on, 5), await train(off, 0), await train(absent, undefined)];
    expect(tf.memory().numTensors).toBe(tensors);
    expect(withoutField).toMatchObject({ valAccuracy: without.valAccuracy, testAccuracy: without.testAccuracy });
    expect(weightValues(absent)).toEqual(weightValues(off));
    // tinyModel: [conv kernel, conv bias, gamma, beta, dense kernel, dense bias, moving mean, moving variance]
    const [w, wOff] = [weightValues(on), weightValues(off)];
    for (const i of [0, 1, 2, 3, 4, 5]) expect(Array.from(w[i]), `weight ${i}`).toEqual(Array.from(wOff[i]));
    expect(Array.from(w[6])).not.toEqual(Array.from(wOff[6]));
    expect(Array.from(w[7])).not.toEqual(Array.from(wOff[7]));
    // The statistics evaluated with are those of the final weights on the 5 fixed batches.
    const { trainX, trainY, valX, valY } = fixture.data;
    const again = twinModel(on, { dropout: 0.2 });
    await recalibrateBatchNorm(again, {
      trainX,
      trainY,
      imageShape: [28, 28, 1],
      batches: 5,
      batchSize: protocol.batchSize,
      seed: protocol.seed,
    });
    expect(weightValues(again)).toEqual(w);
    expect((await evaluate(on, valX, valY, [28, 28, 1], 256)).accuracy).toBe(withIt.valAccuracy);
    for (const m of [on, off, absent, again]) m.dispose();
  });
});

describe('the protocol field', () => {
  /** The default protocol as it was before the field, and its hash then (stableHash of the object). */
  const OLD: TrainingProtocol = {
    dataset: 'fashion-mnist',
    trainSize: 5000,
    valSize: 1000,
    testSize: 2000,
    epochs: 2,
    batchSize: 64,
    optimizer: 'adam',
    learningRate: 1e-3,
    lrSchedule: 'constant',
    augmentation: 'none',
    seed: 1,
  };
  const OLD_HASH = '9e848e46f8c7709d';

  it('is in the hash only when non-zero', () => {
    expect(protocolHash(OLD)).toBe(OLD_HASH);
    expect(protocolHash({ ...OLD, bnRecalibrationBatches: 0 })).toBe(OLD_HASH);
    expect(protocolHash({ ...OLD, bnRecalibrationBatches: 20 })).not.toBe(OLD_HASH);
    expect(protocolHash({ ...OLD, bnRecalibrationBatches: 20 })).not.toBe(
      protocolHash({ ...OLD, bnRecalibrationBatches: 10 }),
    );
    expect(protocolHash(DEFAULT_PROTOCOL)).toBe(
      protocolHash({ ...OLD, bnRecalibrationBatches: 20, engineVersion: ENGINE_VERSION }),
    );
  });

  it('is on by default for protocols the CLI builds; --bn-recalibration 0 turns it off', () => {
    const flags = (...argv: string[]) => parseCommandLine(['baselines', 'list', ...argv]).input.flags;
    expect(DEFAULT_PROTOCOL.bnRecalibrationBatches).toBe(20);
    expect(protocolFromFlags(flags()).bnRecalibrationBatches).toBe(20);
    expect(protocolFromFlags(flags('--bn-recalibration', '50')).bnRecalibrationBatches).toBe(50);
    const off = protocolFromFlags(flags('--bn-recalibration', '0'));
    expect(off.bnRecalibrationBatches).toBe(0);
    // Off hashes as without the field; the engine version is another field (tests/protocol-engine-version.test.ts).
    expect(protocolHash(off)).toBe(protocolHash({ ...OLD, engineVersion: ENGINE_VERSION }));
    // A protocol recorded before the field (e.g. the search a finalize starts from) stays off.
    expect(protocolFromFlags(flags(), { defaults: OLD })).toEqual({ ...OLD, engineVersion: ENGINE_VERSION });
    expect(() => protocolFromFlags(flags('--bn-recalibration=-1'))).toThrow(
      /^--bn-recalibration: must be a non-negative integer/,
    );
    const search = searchRequestFromFlags(parseCommandLine(['search', 'start', '--finalize-top', '2']).input.flags, {
      checkData: false,
    });
    expect(search.protocol.bnRecalibrationBatches).toBe(20);
    expect(search.finalize?.protocol.bnRecalibrationBatches).toBe(20);
    expect(() => validateSearchRequest(search)).not.toThrow();
  });

  it('is validated like the other integer fields', () => {
    expect(() => checkProtocol({ ...OLD, bnRecalibrationBatches: 10_001 })).toThrow(
      'protocol.bnRecalibrationBatches: must be an integer in 0..10000 (0 turns recalibration off), got 10001',
    );
    expect(() => checkProtocol({ ...OLD, bnRecalibrationBatches: 1.5 })).toThrow(/^protocol\.bnRecalibrationBatches: /);
    expect(() =>
      protocolFromFlags(parseCommandLine(['baselines', 'list', '--bn-recalibration', '20000']).input.flags),
    ).toThrow(/^--bn-recalibration: must be an integer in 0\.\.10000/);
    expect(() => checkProtocol({ ...OLD, bnRecalibrationBatches: 0 })).not.toThrow();
  });
});
