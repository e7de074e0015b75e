/** The gradients of one micro-batch: shared by the training thread and its gradient helpers (gradient-helpers.ts). */
import * as tf from '@tensorflow/tfjs';
import type { StockBatchNormalization } from '../cells/builders/batch-norm.ts';
import { correctCount, crossEntropy } from './metrics.ts';
import { recordMovingUpdates, type MovingUpdate } from './moving-statistics.ts';
import { withSeededMathRandom } from './seeded-random.ts';

export interface MicroBatch {
  x: Float32Array;
  y: Int32Array;
  /** The micro-batch's share of the batch: its gradients are of `weight` x its mean loss. */
  weight: number;
  /** Seeds the random draws of the micro-batch (dropout masks). */
  seed: string;
}

export interface MicroBatchGradients {
  loss: number;
  correct: number;
  gradients: tf.NamedTensorMap;
  /** The batch-norm updates recorded instead of applied (with `recordMovingUpdatesOf`), else empty. */
  movingUpdates: MovingUpdate[];
}

/** Gradients of `weight` x the micro-batch's mean loss, so that the weighted sum is the batch mean. */
export async function microBatchGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  batch: MicroBatch,
  imageShape: [number, number, number],
  /** Batch-norm layers whose moving statistics are recorded (moving-statistics.ts) instead of updated. */
  recordMovingUpdatesOf?: StockBatchNormalization[],
): Promise<MicroBatchGradients> {
  const xb = tf.tensor4d(batch.x, [batch.y.length, ...imageShape]);
  const yb = tf.tensor1d(batch.y, 'int32');
  let hits: tf.Scalar | undefined;
  let value: tf.Scalar | undefined;
  try {
    const step = () =>
      withSeededMathRandom(batch.seed, () =>
        tf.variableGrads(() => {
          const probabilities = model.apply(xb, { training: true }) as tf.Tensor;
          hits = tf.keep(correctCount(probabilities, yb));
          const meanLoss = crossEntropy(probabilities, yb);
          return batch.weight === 1 ? meanLoss : tf.mul(meanLoss, batch.weight);
        }, variables),
      );
    const { result, updates } = recordMovingUpdatesOf
      ? recordMovingUpdates(recordMovingUpdatesOf, step)
      : { result: step(), updates: [] };
    value = result.value;
    const [lossValue, hitValue] = await Promise.all([value.data(), hits!.data()]);
    return { loss: lossValue[0], correct: hitValue[0], gradients: result.grads, movingUpdates: updates };
  } finally {
    tf.dispose([xb, yb]);
    if (hits) hits.dispose();
    if (value) value.dispose();
  }
}

/** Model input shape [height, width, channels]; throws unless the model takes NHWC images of a fixed size. */
export function modelImageShape(model: tf.LayersModel): [number, number, number] {
  const shape = model.inputs[0]?.shape;
  if (shape?.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
    throw new Error(
      `trainModel: the model must take NHWC images of a fixed size, its input shape is [${shape?.join(', ')}]`,
    );
  }
  return shape.slice(1) as [number, number, number];
}

/** Adds `more` to `sums` (both disposed) and returns the new sums. */
export function addGradients(sums: tf.NamedTensorMap, more: tf.NamedTensorMap): tf.NamedTensorMap {
  const result: tf.NamedTensorMap = {};
  for (const name of Object.keys(sums)) result[name] = tf.add(sums[name], more[name]);
  tf.dispose([sums, more]);
  return result;
}
