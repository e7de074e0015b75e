/**
 * A training worker thread: runs the TrainingJobs engine/thread-runner.ts sends it, one at a time,
 * and says after each whether it is fit for another (it left no tensor behind, its heap is small).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendPreference } from './backend.ts';
import { runTraining, type TrainingJob } from './run-training.ts';
import type { RunnerMessage, ThreadMessage } from './thread-runner.ts';

/** A thread whose wasm heap grew past this ends with its trial: the heap never shrinks. */
const MAX_REUSED_HEAP_BYTES = 512 * 2 ** 20;

const port = parentPort!;
const { backend } = workerData as { backend: BackendPreference };
const backendReady = selectBackend(backend, { log: () => {} });
// A backend that cannot load fails each job sent here, as that job's error.
backendReady.catch(() => {});
const send = (message: ThreadMessage) => port.postMessage(message);

let acknowledge: (() => void) | null = null;
port.on('message', (message: RunnerMessage) => {
  if (message.type === 'ack') acknowledge?.();
  else void train(message.job);
});
const sendAndWait = (message: ThreadMessage) =>
  new Promise<void>((resolve) => {
    acknowledge = resolve;
    send(message);
  });

async function train(job: TrainingJob): Promise<void> {
  try {
    await backendReady;
    const tensorsBefore = tf.memory().numTensors;
    const run = await runTraining(job, {
      onStart: (startEpoch) => send({ type: 'start', startEpoch }),
      onProgress: (progress) => send({ type: 'progress', progress }),
      onEpoch: (metrics, checkpoint) => sendAndWait({ type: 'epoch', metrics, checkpoint }),
      onUnusableCheckpoint: (reason) => sendAndWait({ type: 'unusable-checkpoint', reason }),
    });
    const reusable = tf.memory().numTensors === tensorsBefore && wasmHeapBytes() <= MAX_REUSED_HEAP_BYTES;
    send({ type: 'done', run, reusable });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    send({ type: 'error', name: error.name, message: error.message, stack: error.stack });
  }
}

function wasmHeapBytes(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  return ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength;
}
