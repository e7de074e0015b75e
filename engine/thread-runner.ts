/**
 * Runs a TrainingJob in a worker thread. A training step is synchronous tfjs work that holds its
 * thread for seconds; off the main thread it no longer delays the worker's heartbeats, workflow
 * tasks, progress queries and the embedded database. A thread that ends its trial cleanly waits
 * idle for the next job on the same backend (starting one costs about 0.8 s of CPU, three times a
 * small training); one that failed, was cancelled, left tensors behind or grew a large wasm heap
 * (which never shrinks) ends with its trial, and an idle one ends after IDLE_MS.
 */
import { Worker } from 'node:worker_threads';
import type { EpochMetrics } from '../contracts/activities.ts';
import type { BackendPreference } from './backend.ts';
import { TrainingCancelledError, type BatchProgress } from './loop.ts';
import type { TrainingHooks, TrainingJob, TrainingRun } from './run-training.ts';

const ENTRY = new URL('./training-thread.ts', import.meta.url);
const IDLE_MS = 60_000;

export type RunnerMessage = { type: 'job'; job: TrainingJob } | { type: 'ack' };

export type ThreadMessage =
  | { type: 'start'; startEpoch: number }
  | { type: 'progress'; progress: BatchProgress }
  | { type: 'epoch'; metrics: EpochMetrics; checkpoint: Uint8Array }
  | { type: 'unusable-checkpoint'; reason: string }
  | { type: 'done'; run: TrainingRun; reusable: boolean }
  | { type: 'error'; name: string; message: string; stack?: string };

interface IdleThread {
  worker: Worker;
  backend: BackendPreference;
  retire: NodeJS.Timeout;
  forget: () => void;
}

const idleThreads = new Set<IdleThread>();

export function runTrainingInThread(
  job: TrainingJob,
  backend: BackendPreference,
  hooks: TrainingHooks,
): Promise<TrainingRun> {
  if (hooks.signal?.aborted) return Promise.reject(new TrainingCancelledError(hooks.signal.reason));
  const worker = threadFor(backend);
  return new Promise<TrainingRun>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void, reusable = false) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('error', fail).off('exit', onExit);
      if (reusable) keepIdle(worker, backend);
      else void worker.terminate();
      outcome();
    };
    const fail = (err: unknown) => settle(() => reject(err));
    const onAbort = () => fail(new TrainingCancelledError(hooks.signal?.reason));
    const onExit = (code: number) => fail(new Error(`training thread exited (code ${code}) before the trial ended`));
    const ack = () => {
      if (!settled) worker.postMessage({ type: 'ack' } satisfies RunnerMessage);
    };
    const onMessage = (message: ThreadMessage) => {
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
          return settle(() => resolve(message.run), message.reusable);
        case 'error':
          return fail(Object.assign(new Error(message.message), { name: message.name, stack: message.stack }));
      }
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage).on('error', fail).on('exit', onExit);
    worker.postMessage({ type: 'job', job } satisfies RunnerMessage);
  });
}

/** Threads waiting for a job: what a finished training leaves behind. */
export function idleTrainingThreads(): number {
  return idleThreads.size;
}

/** Ends every idle thread, for a process that will train no more and wants its memory back. */
export async function endIdleTrainingThreads(): Promise<void> {
  const ending = [...idleThreads].map((idle) => {
    idle.forget();
    clearTimeout(idle.retire);
    return idle.worker.terminate();
  });
  await Promise.all(ending);
}

function threadFor(backend: BackendPreference): Worker {
  for (const idle of idleThreads) {
    if (idle.backend !== backend) continue;
    idleThreads.delete(idle);
    clearTimeout(idle.retire);
    idle.worker.off('exit', idle.forget).ref();
    return idle.worker;
  }
  return new Worker(ENTRY, { workerData: { backend } });
}

/** An idle thread keeps neither the process alive nor its memory for longer than IDLE_MS. */
function keepIdle(worker: Worker, backend: BackendPreference): void {
  worker.unref();
  const forget = () => idleThreads.delete(idle);
  const idle: IdleThread = {
    worker,
    backend,
    retire: setTimeout(() => {
      forget();
      void worker.terminate();
    }, IDLE_MS).unref(),
    forget,
  };
  worker.once('exit', forget);
  idleThreads.add(idle);
}
