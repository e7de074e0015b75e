/**
 * A training on several threads (engine/parallel-step.ts): the step of one thread on the same
 * micro-batches, reproducible, as accurate, and no helper thread outlives it. On the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FusedBatchNormalization } from '../cells/builders/batch-norm.ts';
import { runningGradientHelpers } from '../engine/gradient-helpers.ts';
import { TrainingCancelledError, trainModel, type TrainOptions } from '../engine/loop.ts';
import { firstSamples, fixtureData, tinyModel, tinyProtocol, weightValues } from './support/training.ts';

// No recalibration: it would replace the moving statistics that training left.
const protocol = tinyProtocol({ epochs: 1, bnRecalibrationBatches: 0 });
const fixture = fixtureData(protocol);
const { data } = fixture;
/** Four batches of 32. */
const small = firstSamples(data, 128, 64);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fixture.cleanup());

/** The tiny conv net with tfjs' batch norm, or with the builders' fused one, and dropout; the same initial weights every call. */
function seededModel(batchNorm: 'stock' | 'fused'): tf.LayersModel {
  const model = tinyModel({ dropout: 0.3, batchNorm: batchNorm === 'stock' });
  if (batchNorm === 'stock') return model;
  const input = tf.input({ shape: [28, 28, 1] });
  const [conv, activation, pool, flatten, dropout, dense] = model.layers.slice(1);
  let x = conv.apply(input) as tf.SymbolicTensor;
  x = new FusedBatchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  for (const layer of [activation, pool, flatten, dropout, dense]) x = layer.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

function withInitialWeights(model: tf.LayersModel): tf.LayersModel {
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.2, 'float32', 100 + i)));
  return model;
}

async function trained(batchNorm: 'stock' | 'fused', options: Partial<TrainOptions>) {
  const model = withInitialWeights(seededModel(batchNorm));
  try {
    const outcome = await trainModel({ model, data: small, protocol, ...options });
    return { outcome, weights: weightValues(model) };
  } finally {
    model.dispose();
  }
}

describe('trainModel on several threads', () => {
  for (const batchNorm of ['stock', 'fused'] as const) {
    it(`gives the weights and moving statistics of one thread on the same micro-batches, bit for bit (${batchNorm} batch norm)`, async () => {
      const oneThread = await trained(batchNorm, { microBatchSize: 16 });
      const twoThreads = await trained(batchNorm, { threads: 2 });
      expect(twoThreads.outcome.microBatchSize).toBe(16);
      expect(twoThreads.outcome.epochs[0].trainLoss).toBe(oneThread.outcome.epochs[0].trainLoss);
      expect(twoThreads.weights).toEqual(oneThread.weights);
      const whole = await trained(batchNorm, {});
      // Ghost batch norm over halves is another computation than over the whole batch.
      expect(whole.weights).not.toEqual(oneThread.weights);
      expect(runningGradientHelpers()).toBe(0);
    });
  }

  it('is reproducible on 3 threads, micro-batches split unevenly over them', async () => {
    const first = await trained('stock', { threads: 3, microBatchSize: 8 });
    const second = await trained('stock', { threads: 3, microBatchSize: 8 });
    // 32 in micro-batches of at most 8 on 3 threads: 6 micro-batches (2 a thread) of 5 or 6.
    expect(first.outcome.microBatchSize).toBe(6);
    const oneThread = await trained('stock', { microBatchSize: 6 });
    expect(second.weights).toEqual(first.weights);
    expect(first.weights).toEqual(oneThread.weights);
  });

  it('reaches the accuracy of one thread within seed noise', async () => {
    const twoEpochs = { ...protocol, epochs: 2, bnRecalibrationBatches: 20 };
    const accuracies = async (threads: number) => {
      const model = withInitialWeights(tinyModel());
      try {
        return (await trainModel({ model, data, protocol: twoEpochs, threads })).valAccuracy!;
      } finally {
        model.dispose();
      }
    };
    const [one, two] = [await accuracies(1), await accuracies(2)];
    expect(one).toBeGreaterThan(0.5);
    expect(Math.abs(two - one)).toBeLessThan(0.1);
  });

  it('ends its helper threads when the training succeeds, diverges, fails or is cancelled', async () => {
    const models = [tinyModel(), tinyModel(), tinyModel()];
    const [forNaN, forFailure, forCancel] = models;
    try {
      const nan = { ...protocol, optimizer: 'sgd' as const, learningRate: 1e38, bnRecalibrationBatches: 0 };
      const diverged = await trainModel({ model: forNaN, data: small, protocol: nan, threads: 2 });
      expect(diverged.status).toBe('diverged');
      expect(runningGradientHelpers()).toBe(0);

      const failing = trainModel({
        model: forFailure,
        data: small,
        protocol,
        threads: 2,
        onProgress: () => {
          throw new Error('progress sink broke');
        },
      });
      await expect(failing).rejects.toThrow('progress sink broke');
      expect(runningGradientHelpers()).toBe(0);

      const controller = new AbortController();
      const cancelled = trainModel({
        model: forCancel,
        data: small,
        protocol,
        threads: 2,
        signal: controller.signal,
        onProgress: () => {
          expect(runningGradientHelpers()).toBe(1);
          controller.abort();
        },
      });
      await expect(cancelled).rejects.toBeInstanceOf(TrainingCancelledError);
      expect(runningGradientHelpers()).toBe(0);
    } finally {
      for (const model of models) model.dispose();
    }
  });
});
