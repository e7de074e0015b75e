/**
 * Runs a TrainingJob in a worker thread of its own. A training step is synchronous tfjs work that
 * holds its thread for seconds; off the main thread it no longer delays the worker's heartbeats,
 * workflow tasks, progress queries and the embedded database. The thread ends with the trial, so
 * the wasm heap it grew (which never shrinks) is freed with it.
 */
import { Worker } from 'node:worker_threads';
import type { EpochMetrics } from '../contracts/activities';
import type { BackendPreference } from './backend';
import { TrainingCancelledError, type BatchProgress } from './loop';
import type { TrainingHooks, TrainingJob, TrainingRun } from './run-training';

const ENTRY = new URL('./training-thread.mjs', import.meta.url);

export type ThreadMessage =
  | { type: 'start'; startEpoch: number }
  | { type: 'progress'; progress: BatchProgress }
  | { type: 'epoch'; metrics: EpochMetrics; checkpoint: Uint8Array }
  | { type: 'unusable-checkpoint'; reason: string }
  | { type: 'done'; run: TrainingRun }
  | { type: 'error'; name: string; message: string; stack?: string };

export function runTrainingInThread(
  job: TrainingJob,
  backend: BackendPreference,
  hooks: TrainingHooks,
): Promise<TrainingRun> {
  const worker = new Worker(ENTRY, { workerData: { job, backend } });
  return new Promise<TrainingRun>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const fail = (err: unknown) => settle(() => reject(err));
    const onAbort = () => fail(new TrainingCancelledError(hooks.signal?.reason));
    if (hooks.signal?.aborted) return onAbort();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });

    const ack = () => {
      if (!settled) worker.postMessage({ type: 'ack' });
    };
    worker.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        case 'start':
          return hooks.onStart(message.startEpoch);
        case 'progress':
          return hooks.onProgress(message.progress);
        case 'epoch':
          return void hooks.onEpoch(message.metrics, message.checkpoint).then(ack, fail);
        case 'unusable-checkpoint':
          return void hooks.onUnusableCheckpoint(message.reason).then(ack, fail);
        case 'done':
          return settle(() => resolve(message.run));
        case 'error':
          return fail(Object.assign(new Error(message.message), { name: message.name, stack: message.stack }));
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`training thread exited (code ${code}) before the trial ended`)));
  });
}
