/**
 * One optimizer step with its micro-batches spread over the training thread (micro-batches 0,
 * T, 2T, ...) and T - 1 gradient helpers (helper k - 1 takes k, k + T, ...). Every thread computes
 * at the same weights; the training thread then reduces in micro-batch order, as the one-thread
 * loop does: gradients summed 0 + 1 + 2 ..., losses and hits added in that order, batch norm's
 * moving statistics moved by each micro-batch in turn (moving-statistics.ts). So a step on T
 * threads is the step of one thread on the same micro-batches, to the bit where every thread's
 * kernels compute the same floats.
 */
import * as tf from '@tensorflow/tfjs';
import type { StockBatchNormalization } from '../cells/builders/batch-norm.ts';
import type { GradientHelpers, HelperMicroBatchResult } from './gradient-helpers.ts';
import {
  addGradients,
  microBatchGradients,
  type MicroBatch,
  type MicroBatchGradients,
} from './micro-batch-gradients.ts';
import { applyMovingUpdates, type MovingUpdate } from './moving-statistics.ts';

export async function parallelTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  microBatches: MicroBatch[],
  imageShape: [number, number, number],
  helpers: GradientHelpers,
  batchNorms: StockBatchNormalization[],
): Promise<{ loss: number; correct: number }> {
  const threads = helpers.count + 1;
  const ownerOf = (index: number) => index % threads;
  const ofThread = (thread: number) => microBatches.filter((_, index) => ownerOf(index) === thread);
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  const fromHelpers = Array.from({ length: helpers.count }, (_, k) =>
    helpers.compute(k, weights, ofThread(k + 1), imageShape),
  );
  // Settled before anything throws, so that no helper is left with a request in flight.
  const helperResults = Promise.allSettled(fromHelpers);
  const own: MicroBatchGradients[] = [];
  let gradients: tf.NamedTensorMap | null = null;
  try {
    for (const microBatch of ofThread(0)) {
      own.push(await microBatchGradients(model, variables, microBatch, imageShape, batchNorms));
    }
    const settled = await helperResults;
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((s) => (s as PromiseFulfilledResult<HelperMicroBatchResult[]>).value);
    let loss = 0;
    let correct = 0;
    const movingUpdates: MovingUpdate[] = [];
    for (let index = 0; index < microBatches.length; index++) {
      const thread = ownerOf(index);
      const turn = Math.floor(index / threads);
      const part = thread === 0 ? own[turn] : asTensors(results[thread - 1][turn], variables);
      if (thread === 0) own[turn] = { ...part, gradients: {} };
      loss += part.loss;
      correct += part.correct;
      movingUpdates.push(...part.movingUpdates);
      gradients = gradients ? addGradients(gradients, part.gradients) : part.gradients;
    }
    applyMovingUpdates(batchNorms, movingUpdates);
    optimizer.applyGradients(gradients!);
    return { loss, correct };
  } finally {
    await helperResults;
    for (const part of own) tf.dispose(part.gradients);
    if (gradients) tf.dispose(gradients);
  }
}

function asTensors(result: HelperMicroBatchResult, variables: tf.Variable[]): MicroBatchGradients {
  const gradients: tf.NamedTensorMap = {};
  result.gradients.forEach((values, i) => {
    if (values) gradients[variables[i].name] = tf.tensor(values, variables[i].shape);
  });
  return { loss: result.loss, correct: result.correct, gradients, movingUpdates: result.movingUpdates };
}
