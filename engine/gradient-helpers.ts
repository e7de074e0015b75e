/**
 * Gradient helpers: worker threads that each hold a replica of the training model (built from its
 * topology, on the training thread's backend) and compute the gradients of the micro-batches they
 * are given at the weights they are sent. See parallel-step.ts for how a step uses them.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { MicroBatch } from './micro-batch-gradients.ts';
import type { MovingUpdate } from './moving-statistics.ts';

const ENTRY = new URL('./gradient-helper-thread.ts', import.meta.url);

/** A micro-batch's result as it crosses threads: gradients in the order of model.trainableWeights. */
export interface HelperMicroBatchResult {
  loss: number;
  correct: number;
  /** Null where the loss does not depend on the weight (tf.variableGrads leaves it out). */
  gradients: (Float32Array | null)[];
  movingUpdates: MovingUpdate[];
}

export type HelperRequest =
  | { type: 'init'; topology: string; backend: string }
  | { type: 'step'; weights: Float32Array[]; microBatches: MicroBatch[]; imageShape: [number, number, number] };

export type HelperReply =
  | { type: 'ready' }
  | { type: 'step'; results: HelperMicroBatchResult[] }
  | { type: 'error'; message: string; stack?: string };

const running = new Set<Worker>();

/** Helper threads started and not yet exited, in this thread. */
export function runningGradientHelpers(): number {
  return running.size;
}

class GradientHelper {
  private pending: { resolve: (reply: HelperReply) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;
  readonly exited: Promise<void>;

  private readonly worker: Worker;
  constructor(worker: Worker) {
    this.worker = worker;
    running.add(worker);
    worker.on('message', (reply: HelperReply) => {
      const pending = this.pending;
      this.pending = null;
      if (reply.type === 'error') pending?.reject(Object.assign(new Error(reply.message), { stack: reply.stack }));
      else pending?.resolve(reply);
    });
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        running.delete(worker);
        this.fail(new Error(`gradient helper thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  request(message: HelperRequest): Promise<HelperReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('gradient helper: a request is already in flight'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }

  terminate(): Promise<void> {
    void this.worker.terminate();
    return this.exited;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.pending?.reject(err);
    this.pending = null;
  }
}

export class GradientHelpers {
  private readonly helpers: GradientHelper[];
  private constructor(helpers: GradientHelper[]) {
    this.helpers = helpers;
  }

  /** Starts `count` helper threads with replicas of `model`; resolves once every one is ready. */
  static async start(model: tf.LayersModel, count: number): Promise<GradientHelpers> {
    const topology = model.toJSON(null, true) as string;
    const pool = new GradientHelpers(Array.from({ length: count }, () => new GradientHelper(new Worker(ENTRY))));
    try {
      await Promise.all(pool.helpers.map((h) => h.request({ type: 'init', topology, backend: tf.getBackend() })));
      return pool;
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  get count(): number {
    return this.helpers.length;
  }

  /** The results of `microBatches` (in order) computed by helper `index` at `weights`. */
  async compute(
    index: number,
    weights: Float32Array[],
    microBatches: MicroBatch[],
    imageShape: [number, number, number],
  ): Promise<HelperMicroBatchResult[]> {
    const reply = await this.helpers[index].request({ type: 'step', weights, microBatches, imageShape });
    if (reply.type !== 'step') throw new Error(`gradient helper: expected step results, got ${reply.type}`);
    return reply.results;
  }

  /** Terminates every helper thread; resolves once all have exited. */
  async close(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.terminate()));
  }
}
