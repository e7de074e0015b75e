/** Loss and accuracy on softmax outputs, and batched evaluation. */
import * as tf from '@tensorflow/tfjs';

const EPSILON = 1e-7;

/**
 * Mean categorical cross-entropy of class probabilities against int labels,
 * clipped so that log(0) cannot occur. Clipping maps NaN into range, which
 * would hide a diverged network, so NaN/Infinity in the probabilities is
 * carried into the loss explicitly (0 * sum(p) is 0 unless p is not finite).
 */
export function crossEntropy(probabilities: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const classes = probabilities.shape[probabilities.shape.length - 1] as number;
    const targets = tf.oneHot(labels, classes);
    const logs = tf.log(tf.clipByValue(probabilities, EPSILON, 1 - EPSILON));
    const loss = tf.neg(tf.mean(tf.sum(tf.mul(targets, logs), -1)));
    return tf.add(loss, tf.mul(0, tf.sum(probabilities))) as tf.Scalar;
  });
}

/** Number of rows whose most probable class is the label. */
export function correctCount(probabilities: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, -1), labels), 'int32')) as tf.Scalar);
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

export async function evaluate(
  model: tf.LayersModel,
  x: Float32Array,
  y: Int32Array,
  imageShape: readonly [number, number, number],
  batchSize: number,
  /** Awaited after every batch (progress, cancellation checks, yielding to the event loop). */
  afterBatch?: (batch: number, batches: number, meanLoss: number) => void | Promise<void>,
): Promise<Evaluation> {
  const count = y.length;
  if (count === 0) return { loss: NaN, accuracy: NaN };
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  let lossSum = 0;
  let correct = 0;
  const batches = Math.ceil(count / batchSize);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const [loss, hits] = tf.tidy(() => {
      const xb = tf.tensor4d(x.subarray(start * pixels, (start + size) * pixels), [size, ...imageShape]);
      const yb = tf.tensor1d(y.subarray(start, start + size), 'int32');
      const probabilities = model.apply(xb, { training: false }) as tf.Tensor;
      return [crossEntropy(probabilities, yb), correctCount(probabilities, yb)];
    });
    try {
      const [lossValue, hitValue] = await Promise.all([loss.data(), hits.data()]);
      lossSum += lossValue[0] * size;
      correct += hitValue[0];
    } finally {
      loss.dispose();
      hits.dispose();
    }
    await afterBatch?.(start / batchSize, batches, lossSum / (start + size));
  }
  return { loss: lossSum / count, accuracy: correct / count };
}
