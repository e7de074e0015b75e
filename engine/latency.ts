/**
 * Inference latency of a built model on this thread's tfjs backend: a few warm-up forward passes,
 * then the median of timed ones, at batch 1 and at the protocol's batch size. Short by design: each
 * batch size stops after `maxRuns` timed runs or once `budgetMs` of timed runs are spent (but not
 * before `minRuns` unless `capMs` is spent), so a trial pays a second or two for it, and a very slow
 * network at most about 2 x (budgetMs + capMs) plus four passes: well inside the trainer's 30 s
 * heartbeat timeout, as nothing heartbeats while it runs.
 */
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { median } from '../numeric/statistics.ts';

export interface LatencyOptions {
  /** Untimed forward passes first (kernel set-up, allocation). Default 3. */
  warmup?: number;
  /** Timed runs at least, whatever they cost. Default 3. */
  minRuns?: number;
  /** Timed runs at most. Default 20. */
  maxRuns?: number;
  /** Timed runs stop once they have taken this long (after minRuns); warm-up stops after one pass this long. Default 1000 ms per batch size. */
  budgetMs?: number;
  /** Timed runs stop once they have taken this long even before minRuns (after one). Default 5000 ms. */
  capMs?: number;
  /** Clock in milliseconds; default performance.now. */
  now?: () => number;
}

/** Median milliseconds of one forward pass, per batch size. */
export interface LatencyFigures {
  batch1Ms: number;
  /** At `batchSize` images per forward pass. */
  batchMs: number;
  batchSize: number;
  /** Timed runs the batch-1 median is taken over. */
  runs: number;
}

/** Timed forward passes of `model` on zero images of `batch` (warm-up excluded), in milliseconds. */
export function timeForwardPasses(model: tf.LayersModel, batch: number, options: LatencyOptions = {}): number[] {
  const {
    warmup = 3,
    minRuns = 3,
    maxRuns = 20,
    budgetMs = 1000,
    capMs = 5000,
    now = () => performance.now(),
  } = options;
  const shape = model.inputs[0].shape.slice(1) as number[];
  const images = tf.zeros([batch, ...shape]);
  const forward = () => {
    const output = model.predict(images) as tf.Tensor;
    output.dataSync();
    output.dispose();
  };
  try {
    const warmStart = now();
    for (let i = 0; i < warmup && (i === 0 || now() - warmStart < budgetMs); i++) forward();
    const times: number[] = [];
    let spent = 0;
    const more = () => (times.length < minRuns ? spent < capMs : spent < budgetMs);
    while (times.length < maxRuns && (times.length === 0 || more())) {
      const start = now();
      forward();
      const ms = now() - start;
      times.push(ms);
      spent += ms;
    }
    return times;
  } finally {
    images.dispose();
  }
}

export function measureLatency(model: tf.LayersModel, batchSize: number, options: LatencyOptions = {}): LatencyFigures {
  const batch1 = timeForwardPasses(model, 1, options);
  const batchMs = batchSize === 1 ? median(batch1) : median(timeForwardPasses(model, batchSize, options));
  return { batch1Ms: median(batch1), batchMs, batchSize, runs: batch1.length };
}

/** The device latencies are measured on: the backend's device and the CPU model, e.g. `cpu (wasm simd, 1 thread), AMD EPYC 7B13`. */
export function latencyDevice(
  backendDevice: string,
  cpuModel: string = cpus()[0]?.model?.trim() ?? 'unknown cpu',
): string {
  return `${backendDevice}, ${cpuModel.trim().replace(/\s+/g, ' ')}`;
}
