/**
 * One training on 1 thread and on N (engine/parallel-step.ts), measured in one run: trainModel
 * on random Fashion-MNIST-shaped data in batches of 128, SGD, each at its default micro-batch.
 * The first batch warms up (V8 tiers up the wasm code; helper threads start before it); the rate
 * is of the batches after it. The process's CPU time over the same batches says how many cores the
 * training got (on a shared machine, fewer than its threads) and what a sample costs in CPU time:
 * the speedup the threads would give on free cores is about their samples per CPU second over
 * one thread's, times the thread count.
 */
import type * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol';
import { trainModel, type TrainingData } from '../engine/loop';

const BATCH = 128;

export interface ThreadRate {
  threads: number;
  microBatch: number;
  samplesPerSecond: number;
  /** CPU seconds of the process (all its threads) per wall second while training. */
  coresUsed: number;
  samplesPerCpuSecond: number;
}

export interface ThreadScaling {
  model: string;
  batchesTimed: number;
  rates: ThreadRate[];
  /** samples/s on the most threads over samples/s on one. */
  speedup: number;
  /** Samples per CPU second on the most threads over on one: 1 when the threads add no work. */
  cpuEfficiency: number;
}

function randomData(batches: number): TrainingData {
  const rng = seedrandom('bench-train threads');
  const count = batches * BATCH;
  return {
    trainX: Float32Array.from({ length: count * 784 }, () => rng()),
    trainY: Int32Array.from({ length: count }, () => Math.floor(rng() * 10)),
    valX: new Float32Array(784),
    valY: new Int32Array(1),
  };
}

async function samplesPerSecond(
  build: () => tf.LayersModel,
  data: TrainingData,
  protocol: TrainingProtocol,
  threads: number,
): Promise<ThreadRate> {
  const model = build();
  const trained: number[] = [];
  const cpu: NodeJS.CpuUsage[] = [];
  try {
    const outcome = await trainModel({
      model,
      data,
      protocol,
      threads,
      onProgress: (p) => {
        if (p.phase !== 'train') return;
        trained.push(performance.now());
        cpu.push(process.cpuUsage());
      },
    });
    const seconds = (trained[trained.length - 1] - trained[0]) / 1000;
    const samples = (trained.length - 1) * BATCH;
    const used = process.cpuUsage(cpu[0]);
    const last = process.cpuUsage(cpu[cpu.length - 1]);
    const cpuSeconds = (used.user + used.system - last.user - last.system) / 1e6;
    return {
      threads,
      microBatch: outcome.microBatchSize,
      samplesPerSecond: +(samples / seconds).toFixed(2),
      coresUsed: +(cpuSeconds / seconds).toFixed(2),
      samplesPerCpuSecond: +(samples / cpuSeconds).toFixed(2),
    };
  } finally {
    model.dispose();
  }
}

/** `timedBatches` batches after the warm-up one, on 1 thread and then on `threads`. */
export async function threadScaling(
  name: string,
  build: () => tf.LayersModel,
  threads: number,
  timedBatches: number,
): Promise<ThreadScaling> {
  const batches = timedBatches + 1;
  const data = randomData(batches);
  const protocol: TrainingProtocol = {
    ...DEFAULT_PROTOCOL,
    trainSize: batches * BATCH,
    valSize: 1,
    testSize: 0,
    epochs: 1,
    batchSize: BATCH,
    optimizer: 'sgd',
    learningRate: 0.01,
    bnRecalibrationBatches: 0,
  };
  const rates: ThreadRate[] = [];
  for (const count of [1, threads]) rates.push(await samplesPerSecond(build, data, protocol, count));
  const speedup = rates[1].samplesPerSecond / rates[0].samplesPerSecond;
  const cpuEfficiency = rates[1].samplesPerCpuSecond / rates[0].samplesPerCpuSecond;
  return {
    model: name,
    batchesTimed: timedBatches,
    rates,
    speedup: +speedup.toFixed(3),
    cpuEfficiency: +cpuEfficiency.toFixed(3),
  };
}
