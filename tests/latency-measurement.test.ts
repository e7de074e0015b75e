/** Inference latency measurement (engine/latency.ts): warm-up, median of timed runs, batch 1 and the protocol batch, device. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { latencyDevice, measureLatency, timeForwardPasses } from '../engine/latency';
import { median } from '../search/statistics';
import { tinyModel } from './support/training';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A clock whose successive runs last the given milliseconds (two readings per run). */
function clockOf(durations: number[]): () => number {
  let t = 0;
  let reading = 0;
  return () => {
    if (reading++ % 2 === 1) t += durations[((reading - 2) / 2) % durations.length];
    return t;
  };
}

/** The batch sizes `model.predict` was called with, in order. */
function recordBatches(model: tf.LayersModel): number[] {
  const batches: number[] = [];
  const predict = model.predict.bind(model);
  vi.spyOn(model, 'predict').mockImplementation((x, args) => {
    batches.push((x as tf.Tensor).shape[0]);
    return predict(x, args);
  });
  return batches;
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
    const batches = recordBatches(model);
    const times = timeForwardPasses(model, 4, { warmup: 2, minRuns: 1, maxRuns: 5, budgetMs: 1e9, now: clockOf([7, 3, 5]) });
    expect(times).toEqual([7, 3, 5, 7, 3]);
    expect(batches).toEqual([4, 4, 4, 4, 4, 4, 4]);
    model.dispose();
  });

  it('stops once the budget is spent, but not before minRuns', () => {
    const model = tinyModel();
    expect(timeForwardPasses(model, 1, { warmup: 0, minRuns: 2, maxRuns: 50, budgetMs: 100, now: clockOf([40]) })).toHaveLength(3);
    expect(timeForwardPasses(model, 1, { warmup: 0, minRuns: 4, maxRuns: 50, budgetMs: 10, now: clockOf([40]) })).toHaveLength(4);
    model.dispose();
  });
});

describe('measureLatency', () => {
  it('gives the median at batch 1 and at the protocol batch, measured on those batch sizes', () => {
    const model = tinyModel();
    const batches = recordBatches(model);
    // Batch 1 runs take 1, 9, 2 ms; batch 32 runs 30, 10, 20 ms.
    const figures = measureLatency(model, 32, { warmup: 1, minRuns: 3, maxRuns: 3, now: clockOf([1, 9, 2, 30, 10, 20]) });
    expect(figures).toEqual({ batch1Ms: 2, batchMs: 20, batchSize: 32, runs: 3 });
    expect(batches).toEqual([1, 1, 1, 1, 32, 32, 32, 32]);
    model.dispose();
  });

  it('measures a real model: positive milliseconds, a batch of 32 slower than one image', () => {
    const model = tinyModel();
    const tensors = tf.memory().numTensors;
    const figures = measureLatency(model, 32, { maxRuns: 5 });
    expect(figures.batch1Ms).toBeGreaterThan(0);
    expect(figures.batchMs).toBeGreaterThan(figures.batch1Ms);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });
});

describe('latencyDevice', () => {
  it('names the backend device and the CPU model', () => {
    expect(latencyDevice('cpu (wasm simd, 1 thread)', 'AMD  EPYC 7B13 ')).toBe('cpu (wasm simd, 1 thread), AMD EPYC 7B13');
    expect(latencyDevice('cpu (pure JS)')).toMatch(/^cpu \(pure JS\), \S/);
  });
});
