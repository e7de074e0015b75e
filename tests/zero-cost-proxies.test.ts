/**
 * The zero-cost proxies (engine/proxies/) against values computed by hand or by an independent
 * tfjs computation on tiny networks, their float32 overflow guard, NASWOT's kernel, and the
 * seeded scoring of an architecture at the initial weights of its training.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectureGraph } from '../cells/architecture.ts';
import { FusedBatchNormalization } from '../cells/builders/batch-norm.ts';
import { buildModel } from '../cells/builders/tfjs.ts';
import { sampleNasnet } from '../cells/nasnet/index.ts';
import { architectureHash } from '../cells/architecture.ts';
import { selectBackend } from '../engine/backend.ts';
import { withSeededMathRandom } from '../engine/seeded-random.ts';
import { lossGradientScores } from '../engine/proxies/loss-gradients.ts';
import { naswot } from '../engine/proxies/naswot.ts';
import { scoredKernels } from '../engine/proxies/scored-layers.ts';
import { proxyBatchIndices, type ProxyBatch } from '../engine/proxies/proxy-batch.ts';
import { initialLogitsModel, scoreArchitecture } from '../engine/proxies/score-architecture.ts';
import { synflow } from '../engine/proxies/synflow.ts';
import { logAbsDeterminant } from '../numeric/log-determinant.ts';

beforeAll(async () => {
  await selectBackend('cpu', { log: () => {} });
});

/** Input 1x1xIN -> flatten -> dense(relu, no bias) [-> batch norm] -> dense(logits, no bias). */
function denseNet(w1: number[][], w2: number[][], batchNorm?: { gamma: number[]; beta: number[] }): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, w1.length] });
  let h = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: w2.length, activation: 'relu', useBias: false });
  h = hidden.apply(h) as tf.SymbolicTensor;
  const norm = batchNorm ? new FusedBatchNormalization({ momentum: 0.9 }) : null;
  if (norm) h = norm.apply(h) as tf.SymbolicTensor;
  const head = tf.layers.dense({ units: w2[0].length, useBias: false });
  const model = tf.model({ inputs: input, outputs: head.apply(h) as tf.SymbolicTensor });
  hidden.setWeights([tf.tensor2d(w1)]);
  head.setWeights([tf.tensor2d(w2)]);
  if (norm && batchNorm) {
    const units = w2.length;
    norm.setWeights([tf.tensor1d(batchNorm.gamma), tf.tensor1d(batchNorm.beta), tf.zeros([units]), tf.ones([units])]);
  }
  return model;
}

const W1 = [
  [1, -2],
  [3, 0.5],
];
const W2 = [
  [2, -1],
  [-1, 0.5],
];

describe('synflow', () => {
  it('is Σ |w ⊙ dR/dw| with |w| and an all-ones input: R x layers for a chain, computed by hand', () => {
    // h = |W1|ᵀ1 = (4, 2.5); row sums of |W2| = (3, 1.5); R = 4·3 + 2.5·1.5 = 15.75.
    // Each layer's Σ |w| dR/dw is R (R is linear in each layer's weights), so the score is 2R.
    const model = denseNet(W1, W2);
    expect(synflow(model)).toBeCloseTo(31.5, 4);
  });

  it('bypasses batch norm (a gamma of 5 changes nothing) and restores the signed weights', () => {
    const model = denseNet(W1, W2, { gamma: [5, 5], beta: [0.3, 0.3] });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(synflow(model)).toBeCloseTo(31.5, 4);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('stays finite and exact where R overflows float32: a chain of 12 dense layers of weight 1000', () => {
    const layers = 12;
    const weight = 1000;
    const input = tf.input({ shape: [1, 1, 2] });
    let h = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    for (let l = 0; l < layers; l++) {
      const dense = tf.layers.dense({
        units: 2,
        useBias: false,
        kernelInitializer: tf.initializers.constant({ value: -weight }),
      });
      h = dense.apply(h) as tf.SymbolicTensor;
    }
    const model = tf.model({ inputs: input, outputs: h });
    // Every unit of layer l holds (2·1000)^l; R = 2·2000^12 ≈ 8.2e39 > 3.4e38; score = 12·R.
    const expected = layers * 2 * (2 * weight) ** layers;
    expect(2 * (2 * weight) ** layers).toBeGreaterThan(3.4028235e38);
    const score = synflow(model);
    expect(Math.abs(score - expected) / expected).toBeLessThan(1e-5);
  });
});

/** Mean softmax cross-entropy gradients of the dense net, by hand in float64. */
function denseGradientsByHand(x: number[][], y: number[]) {
  const gW1 = W1.map((row) => row.map(() => 0));
  const gW2 = W2.map((row) => row.map(() => 0));
  x.forEach((xs, n) => {
    const pre = [0, 1].map((j) => xs.reduce((s, xi, i) => s + xi * W1[i][j], 0));
    const h = pre.map((v) => Math.max(0, v));
    const z = [0, 1].map((k) => h.reduce((s, hj, j) => s + hj * W2[j][k], 0));
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const d = e.map((v, k) => (v / (e[0] + e[1]) - (y[n] === k ? 1 : 0)) / x.length);
    for (let j = 0; j < 2; j++) {
      for (let k = 0; k < 2; k++) gW2[j][k] += h[j] * d[k];
      const dh = d.reduce((s, dk, k) => s + W2[j][k] * dk, 0);
      for (let i = 0; i < 2; i++) gW1[i][j] += pre[j] > 0 ? xs[i] * dh : 0;
    }
  });
  const pairs = [
    [W1, gW1],
    [W2, gW2],
  ].flatMap(([w, g]) => w.flatMap((row, i) => row.map((wij, j) => [wij, g[i][j]])));
  return {
    snip: pairs.reduce((s, [w, g]) => s + Math.abs(w * g), 0),
    gradNorm: Math.sqrt(pairs.reduce((s, [, g]) => s + g * g, 0)),
  };
}

describe('snip and grad_norm', () => {
  it('are Σ |w ⊙ dL/dw| and ‖dL/dw‖ of the mean cross-entropy, computed by hand for a dense net', () => {
    const x = [
      [1, 0.5],
      [-0.5, 2],
      [0.3, -1],
    ];
    const y = [0, 1, 1];
    const model = denseNet(W1, W2);
    const scores = lossGradientScores(model, tf.tensor4d(x.flat(), [3, 1, 1, 2]), tf.tensor1d(y, 'int32'));
    const byHand = denseGradientsByHand(x, y);
    expect(byHand.snip).toBeGreaterThan(0.01);
    expect(scores.snip).toBeCloseTo(byHand.snip, 5);
    expect(scores.gradNorm).toBeCloseTo(byHand.gradNorm, 5);
  });

  it('match an independent tfjs computation of a conv net with batch norm in training mode (kernels only)', () => {
    const rng = seedrandom('conv-net');
    const values = (n: number) => Array.from({ length: n }, () => rng() * 2 - 1);
    const kernel = tf.tensor4d(values(18), [3, 3, 1, 2]);
    const [gamma, beta] = [tf.tensor1d([1.5, 0.7]), tf.tensor1d([0.1, -0.2])];
    const dense = tf.tensor2d(values(6), [2, 3]);
    const bias = tf.tensor1d([0.2, -0.1, 0.05]);
    const x = tf.tensor4d(values(5 * 16), [5, 4, 4, 1]);
    const labels = tf.tensor1d([0, 2, 1, 1, 0], 'int32');

    const input = tf.input({ shape: [4, 4, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', useBias: false });
    const norm = new FusedBatchNormalization({ momentum: 0.9 });
    const head = tf.layers.dense({ units: 3 });
    let h = conv.apply(input) as tf.SymbolicTensor;
    h = norm.apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: head.apply(h) as tf.SymbolicTensor });
    conv.setWeights([kernel]);
    norm.setWeights([gamma, beta, tf.zeros([2]), tf.ones([2])]);
    head.setWeights([dense, bias]);

    const loss = (k: tf.Tensor4D, d: tf.Tensor2D) => {
      const c = tf.conv2d(x, k, 1, 'same');
      const { mean, variance } = tf.moments(c, [0, 1, 2]);
      const normalized = tf.add(tf.mul(tf.div(tf.sub(c, mean), tf.sqrt(tf.add(variance, 1e-3))), gamma), beta);
      const pooled = tf.mean(tf.relu(normalized), [1, 2]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), tf.add(tf.matMul(pooled, d), bias)) as tf.Scalar;
    };
    const [gk, gd] = tf.grads((k, d) => loss(k as tf.Tensor4D, d as tf.Tensor2D))([kernel, dense]);
    const snip = tf.sum(tf.abs(tf.mul(kernel, gk))).dataSync()[0] + tf.sum(tf.abs(tf.mul(dense, gd))).dataSync()[0];
    const gradNorm = Math.sqrt(tf.sum(tf.square(gk)).dataSync()[0] + tf.sum(tf.square(gd)).dataSync()[0]);

    const scores = lossGradientScores(model, x, labels);
    expect(snip).toBeGreaterThan(1e-3);
    expect(scores.snip).toBeCloseTo(snip, 5);
    expect(scores.gradNorm).toBeCloseTo(gradNorm, 5);
  });
});

/** Input 1x1xD -> flatten -> dense(D, relu, identity kernel): the ReLU codes are the signs of the input. */
function identityReluNet(units: number): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, units] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const relu = tf.layers.dense({ units, activation: 'relu', useBias: false, kernelInitializer: 'identity' });
  const head = tf.layers.dense({ units: 2, useBias: false });
  return tf.model({ inputs: input, outputs: head.apply(relu.apply(flat)) as tf.SymbolicTensor });
}

describe('naswot', () => {
  it('is log |K_H|, K_H[i][j] = units − Hamming distance of the ReLU codes, by hand', () => {
    // Codes 101, 011, 110: every pair differs in 2 of 3 units, K_H = [[3,1,1],[1,3,1],[1,1,3]], det 20.
    const x = tf.tensor4d([1, -1, 1, -1, 1, 1, 1, 1, -1], [3, 1, 1, 3]);
    expect(naswot(identityReluNet(3), x)).toBeCloseTo(Math.log(20), 10);
  });

  it('grows with the number of units whose activation differs between images, -Infinity for one code', () => {
    const model = identityReluNet(4);
    const scores = [0, 1, 2, 3, 4].map((flipped) => {
      const second = [0, 1, 2, 3].map((u) => (u < flipped ? -1 : 1));
      return naswot(model, tf.tensor4d([1, 1, 1, 1, ...second], [2, 1, 1, 4]));
    });
    expect(scores[0]).toBe(-Infinity);
    // K_H = [[4, 4−k], [4−k, 4]]: det 16 − (4 − k)².
    scores.slice(1).forEach((score, i) => expect(score).toBeCloseTo(Math.log(16 - (3 - i) ** 2), 10));
    for (let k = 1; k < scores.length; k++) expect(scores[k]).toBeGreaterThan(scores[k - 1]);
  });

  it('log determinant: LU with pivoting against known determinants, singular as -Infinity', () => {
    expect(logAbsDeterminant([[2]])).toBeCloseTo(Math.log(2), 14);
    expect(
      logAbsDeterminant([
        [0, 2],
        [3, 1],
      ]),
    ).toBeCloseTo(Math.log(6), 14);
    expect(
      logAbsDeterminant([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]),
    ).toBe(-Infinity);
  });
});

describe('scored weights', () => {
  it('are the kernels of convolutions and dense layers; a layer with other weights is refused, not skipped', () => {
    const model = denseNet(W1, W2, { gamma: [1, 1], beta: [0, 0] });
    expect(scoredKernels(model).map((k) => k.shape)).toEqual([
      [2, 2],
      [2, 2],
    ]);
    const input = tf.input({ shape: [1, 1, 2] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const prelu = tf.layers.prelu({ name: 'leaky' }).apply(flat) as tf.SymbolicTensor;
    const withPrelu = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 2 }).apply(prelu) as tf.SymbolicTensor,
    });
    expect(() => scoredKernels(withPrelu)).toThrow(/layer leaky \(PReLU\) has weights but no proxy rule/);
  });
});

describe('scoring an architecture', () => {
  const input = { height: 8, width: 8, channels: 1 };
  const architecture = sampleNasnet(seedrandom('proxy-architecture'), {
    network: { cellsPerStage: 1, reductions: 1, filters: 4 },
  });
  const archHash = architectureHash(architecture);
  const rng = seedrandom('proxy-batch');
  const batch: ProxyBatch = {
    x: Float32Array.from({ length: 16 * 64 }, () => rng()),
    y: Int32Array.from({ length: 16 }, (_, i) => i % 10),
    imageShape: [8, 8, 1],
  };

  it('starts from the initial weights of the training of that seed, with logits out', () => {
    const proxyModel = initialLogitsModel({ architecture, archHash, input, classes: 10, seed: 7 });
    const trainingModel = withSeededMathRandom(`7/init/${archHash}`, () =>
      buildModel(architectureGraph(architecture, input, 10)),
    );
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(proxyModel)).toEqual(weights(trainingModel));
    const probe = tf.ones([1, 8, 8, 1]);
    const logits = proxyModel.predict(probe) as tf.Tensor;
    const probabilities = trainingModel.predict(probe) as tf.Tensor;
    const expected = probabilities.dataSync();
    tf.softmax(logits)
      .dataSync()
      .forEach((p, k) => expect(p).toBeCloseTo(expected[k], 6));
  });

  it('gives the same scores for the same seed, other scores for another seed', () => {
    const job = { architecture, archHash, input, classes: 10, seed: 7, batch };
    const first = scoreArchitecture(job);
    const again = scoreArchitecture(job);
    const other = scoreArchitecture({ ...job, seed: 8 });
    const scores = (s: typeof first) => s.map((p) => [p.estimator, p.score]);
    expect(scores(again)).toEqual(scores(first));
    expect(first.map((p) => p.estimator)).toEqual(['synflow', 'naswot', 'grad_norm', 'snip']);
    for (const p of first) {
      expect(p.score, p.estimator).not.toBeNull();
      expect(p.cpuSeconds).toBeGreaterThan(0);
    }
    for (const k of [0, 2, 3]) expect(other[k].score).not.toBe(first[k].score);
  });

  it('takes the batch from a seeded permutation of the training split', () => {
    const indices = proxyBatchIndices(100, 64, 7);
    expect(new Set(indices).size).toBe(64);
    expect(Array.from(proxyBatchIndices(100, 64, 7))).toEqual(Array.from(indices));
    expect(Array.from(proxyBatchIndices(100, 64, 8))).not.toEqual(Array.from(indices));
    expect(() => proxyBatchIndices(10, 64, 7)).toThrow(/64 images asked of a training split of 10/);
  });
});
