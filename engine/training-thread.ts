/** Runs one TrainingJob in a worker thread; talks to engine/thread-runner.ts by messages. */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendPreference } from './backend';
import { runTraining, type TrainingJob } from './run-training';
import type { ThreadMessage } from './thread-runner';

const port = parentPort!;
const { job, backend } = workerData as { job: TrainingJob; backend: BackendPreference };
const send = (message: ThreadMessage) => port.postMessage(message);

let acknowledge: (() => void) | null = null;
port.on('message', (message: { type: 'ack' }) => {
  if (message.type === 'ack') acknowledge?.();
});
const sendAndWait = (message: ThreadMessage) =>
  new Promise<void>((resolve) => {
    acknowledge = resolve;
    send(message);
  });

try {
  await selectBackend(backend, { log: () => {} });
  const run = await runTraining(job, {
    onStart: (startEpoch) => send({ type: 'start', startEpoch }),
    onProgress: (progress) => send({ type: 'progress', progress }),
    onEpoch: (metrics, checkpoint) => sendAndWait({ type: 'epoch', metrics, checkpoint }),
    onUnusableCheckpoint: (reason) => sendAndWait({ type: 'unusable-checkpoint', reason }),
  });
  send({ type: 'done', run });
} catch (err) {
  const error = err instanceof Error ? err : new Error(String(err));
  send({ type: 'error', name: error.name, message: error.message, stack: error.stack });
}
