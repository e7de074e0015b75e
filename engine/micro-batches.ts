/**
 * Gradient accumulation: a batch too large for the backend's memory is trained as several
 * micro-batches whose gradients are summed before one optimizer step. The optimizer sees the
 * protocol's batch; batch norm normalises each micro-batch with its own statistics ("ghost"
 * batch norm) and updates its moving statistics once per micro-batch.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * Peak training memory per sample as a multiple of the forward activations. Measured on wasm
 * with tf.profile (peak bytes of one SGD step, batch 4 minus batch 2) for the baselines: 5.1x
 * (NASNet-A) to 8.7x (SqueezeNet-small); 10 leaves headroom.
 */
export const TRAINING_BYTES_PER_ACTIVATION_BYTE = 10;

/**
 * What one training step may hold on a backend, or null for no limit. wasm32 addresses at most
 * 4 GiB, weights, optimizer state and allocator fragmentation included; past it the module aborts.
 */
export function stepMemoryBudget(backend: string): number | null {
  return backend === 'wasm' ? 3 * 2 ** 30 : null;
}

/** Bytes of every layer output of one sample in float32: what backpropagation keeps alive. */
export function activationBytesPerSample(model: tf.LayersModel): number {
  let elements = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (
      | number
      | null
    )[][];
    for (const shape of shapes) elements += shape.slice(1).reduce<number>((product, dim) => product * (dim ?? 1), 1);
  }
  return elements * 4;
}

/** The largest micro-batch whose estimated step memory fits the budget (at least 1, at most the batch). */
export function microBatchSize(batchSize: number, bytesPerSample: number, budgetBytes: number | null): number {
  if (budgetBytes === null) return batchSize;
  const fits = Math.floor(budgetBytes / (bytesPerSample * TRAINING_BYTES_PER_ACTIVATION_BYTE));
  return Math.max(1, Math.min(batchSize, fits));
}

/** Splits `count` samples into the fewest chunks of at most `maxChunk`, sizes as equal as possible. */
export function chunkSizes(count: number, maxChunk: number): number[] {
  const chunks = Math.ceil(count / maxChunk);
  const base = Math.floor(count / chunks);
  const larger = count % chunks;
  return Array.from({ length: chunks }, (_, i) => base + (i < larger ? 1 : 0));
}

/**
 * The micro-batch of a step spread over `threads` (engine/parallel-step.ts): at most `maxChunk`,
 * in as many micro-batches as fit a multiple of the thread count, so that every thread gets as
 * many (1 thread: `maxChunk`).
 */
export function threadMicroBatchSize(batchSize: number, maxChunk: number, threads: number): number {
  if (threads === 1) return maxChunk;
  const chunks = Math.ceil(Math.ceil(batchSize / maxChunk) / threads) * threads;
  return Math.max(1, Math.ceil(batchSize / chunks));
}
