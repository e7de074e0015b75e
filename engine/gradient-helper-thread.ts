/** A gradient helper thread (gradient-helpers.ts): one replica of the model, one request at a time. */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '../cells/builders/tfjs.ts';
import type { StockBatchNormalization } from '../cells/builders/batch-norm.ts';
import { type BackendPreference, selectBackend } from './backend.ts';
import { batchNormLayers } from './bn-recalibration.ts';
import type { HelperMicroBatchResult, HelperReply, HelperRequest } from './gradient-helpers.ts';
import { microBatchGradients } from './micro-batch-gradients.ts';

const port = parentPort!;
let replica: { model: tf.LayersModel; variables: tf.Variable[]; batchNorms: StockBatchNormalization[] } | null = null;

async function init(topology: string, backend: string): Promise<void> {
  await selectBackend(backend as BackendPreference, { log: () => {} });
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(topology) });
  replica = {
    model,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    batchNorms: batchNormLayers(model),
  };
}

async function step(request: Extract<HelperRequest, { type: 'step' }>): Promise<HelperMicroBatchResult[]> {
  const { model, variables, batchNorms } = replica!;
  if (request.weights.length !== variables.length) {
    throw new Error(`gradient helper: ${request.weights.length} weights sent, the replica has ${variables.length}`);
  }
  variables.forEach((variable, i) => tf.tidy(() => variable.assign(tf.tensor(request.weights[i], variable.shape))));
  const results: HelperMicroBatchResult[] = [];
  for (const microBatch of request.microBatches) {
    const part = await microBatchGradients(model, variables, microBatch, request.imageShape, batchNorms);
    try {
      const gradients = await Promise.all(
        variables.map((v) =>
          part.gradients[v.name] ? (part.gradients[v.name].data() as Promise<Float32Array>) : null,
        ),
      );
      results.push({ loss: part.loss, correct: part.correct, gradients, movingUpdates: part.movingUpdates });
    } finally {
      tf.dispose(part.gradients);
    }
  }
  return results;
}

port.on('message', async (request: HelperRequest) => {
  try {
    if (request.type === 'init') {
      await init(request.topology, request.backend);
      port.postMessage({ type: 'ready' } satisfies HelperReply);
    } else {
      port.postMessage({ type: 'step', results: await step(request) } satisfies HelperReply);
    }
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ type: 'error', message: error.message, stack: error.stack } satisfies HelperReply);
  }
});
