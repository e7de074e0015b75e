/** Inference latency measurement (engine/latency.ts): warm-up, median of timed runs, batch 1 and the protocol batch, device. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { latencyDevice, measureLatency, timeForwardPasses } from '../engine/latency.ts';
import { median } from '../numeric/statistics.ts';
import { tinyModel } from './support/training.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A virtual clock that each forward pass of `model` advances by the next of `durations` (cycling),
 * and the batch sizes the passes were called with.
 */
function simulatedPasses(model: tf.LayersModel, durations: number[]) {
  let t = 0;
  const batches: number[] = [];
  const predict = model.predict.bind(model);
  vi.spyOn(model, 'predict').mockImplementation((x, args) => {
    t += durations[batches.length % durations.length];
    batches.push((x as tf.Tensor).shape[0]);
    return predict(x, args);
  });
  return { now: () => t, batches };
}

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 9])).toBe(5);
    expect(median([4, 1, 9, 2])).toBe(3);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('timeForwardPasses', () => {
  it('runs the warm-up untimed, then times each pass until maxRuns', () => {
    const model = tinyModel();
    const passes = simulatedPasses(model, [50, 50, 7, 3, 5, 7, 3]);
    const times = timeForwardPasses(model, 4, { warmup: 2, minRuns: 1, maxRuns: 5, budgetMs: 1e9, now: passes.now });
    expect(times).toEqual([7, 3, 5, 7, 3]);
    expect(passes.batches).toEqual([4, 4, 4, 4, 4, 4, 4]);
    model.dispose();
  });

  it('stops once the budget is spent, but not before minRuns unless the cap is spent', () => {
    const model = tinyModel();
    expect(
      timeForwardPasses(model, 1, {
        warmup: 0,
        minRuns: 2,
        maxRuns: 50,
        budgetMs: 100,
        now: simulatedPasses(model, [40]).now,
      }),
    ).toHaveLength(3);
    vi.restoreAllMocks();
    expect(
      timeForwardPasses(model, 1, {
        warmup: 0,
        minRuns: 4,
        maxRuns: 50,
        budgetMs: 10,
        now: simulatedPasses(model, [40]).now,
      }),
    ).toHaveLength(4);
    vi.restoreAllMocks();
    expect(
      timeForwardPasses(model, 1, {
        warmup: 0,
        minRuns: 3,
        budgetMs: 10,
        capMs: 5000,
        now: simulatedPasses(model, [3000]).now,
      }),
    ).toEqual([3000, 3000]);
    model.dispose();
  });

  it('warms up with one pass only when that pass alone exceeds the budget', () => {
    const model = tinyModel();
    const passes = simulatedPasses(model, [1500]);
    timeForwardPasses(model, 1, { warmup: 3, minRuns: 1, maxRuns: 1, budgetMs: 1000, now: passes.now });
    expect(passes.batches).toHaveLength(2);
    model.dispose();
  });
});

describe('measureLatency', () => {
  it('gives the median at batch 1 and at the protocol batch, measured on those batch sizes', () => {
    const model = tinyModel();
    // One warm-up pass, then batch 1 runs take 1, 9, 2 ms; one warm-up pass, then batch 32 runs take 30, 10, 20 ms.
    const passes = simulatedPasses(model, [100, 1, 9, 2, 100, 30, 10, 20]);
    const figures = measureLatency(model, 32, { warmup: 1, minRuns: 3, maxRuns: 3, now: passes.now });
    expect(figures).toEqual({ batch1Ms: 2, batchMs: 20, batchSize: 32, runs: 3 });
    expect(passes.batches).toEqual([1, 1, 1, 1, 32, 32, 32, 32]);
    model.dispose();
  });

  it('measures a real model: positive milliseconds, no tensor left behind', () => {
    const model = tinyModel();
    const tensors = tf.memory().numTensors;
    const figures = measureLatency(model, 32, { maxRuns: 5 });
    expect(figures.batch1Ms).toBeGreaterThan(0);
    expect(figures.batchMs).toBeGreaterThan(0);
    expect(figures.runs).toBeGreaterThanOrEqual(3);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });
});

describe('latencyDevice', () => {
  it('names the backend device and the CPU model', () => {
    expect(latencyDevice('cpu (wasm simd, 1 thread)', 'AMD  EPYC 7B13 ')).toBe(
      'cpu (wasm simd, 1 thread), AMD EPYC 7B13',
    );
    expect(latencyDevice('cpu (pure JS)')).toMatch(/^cpu \(pure JS\), \S/);
  });
});
