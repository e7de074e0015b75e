/**
 * One training on 1 thread and on N (engine/parallel-step.ts), measured in one run: trainModel
 * on random Fashion-MNIST-shaped data in batches of 128, SGD, each at its default micro-batch.
 * The first batch warms up (V8 tiers up the wasm code; helper threads start before it); the rate
 * is of the batches after it. The configurations take turns for `ROUNDS` rounds and each keeps its
 * best round: on a shared machine the cores a run gets change from one run to the next. The process's CPU time over the same batches says how many cores the
 * training got (on a shared machine, fewer than its threads) and what a sample costs in CPU time:
 * the speedup the threads would give on free cores is about their samples per CPU second over
 * one thread's, times the thread count.
 */
import type * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol.ts';
import { trainModel, type TrainingData } from '../engine/loop.ts';

const BATCH = 128;
const ROUNDS = 2;

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
  /** 1 thread, N threads, then 1 thread on the micro-batches of N (what N threads compute, on one). */
  rates: ThreadRate[];
  /** samples/s on the most threads over samples/s on one. */
  speedup: number;
  /** Samples per CPU second on N threads over on 1: 1 when the threads add no work. */
  cpuEfficiency: number;
  /** The same on the same micro-batches: what the threads themselves cost, the split aside. */
  cpuEfficiencySameSplit: number;
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
  microBatchSize?: number,
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
      microBatchSize,
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
  const best: ThreadRate[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates = [
      await samplesPerSecond(build, data, protocol, 1),
      await samplesPerSecond(build, data, protocol, threads),
    ];
    rates.push(await samplesPerSecond(build, data, protocol, 1, rates[1].microBatch));
    rates.forEach((rate, i) => {
      if (!best[i] || rate.samplesPerSecond > best[i].samplesPerSecond) best[i] = rate;
    });
  }
  const rates = best;
  const speedup = rates[1].samplesPerSecond / rates[0].samplesPerSecond;
  const cpuEfficiency = rates[1].samplesPerCpuSecond / rates[0].samplesPerCpuSecond;
  const cpuEfficiencySameSplit = rates[1].samplesPerCpuSecond / rates[2].samplesPerCpuSecond;
  return {
    model: name,
    batchesTimed: timedBatches,
    rates,
    speedup: +speedup.toFixed(3),
    cpuEfficiency: +cpuEfficiency.toFixed(3),
    cpuEfficiencySameSplit: +cpuEfficiencySameSplit.toFixed(3),
  };
}
