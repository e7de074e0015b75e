/**
 * SynFlow (Tanaka et al. 2020), as a zero-cost proxy (Abdelfattah et al. 2021): every weight
 * replaced by its absolute value, batch norm bypassed (the reference code's `bn=False`), one
 * all-ones input, R = the sum of the outputs (logits), score = Σ |w ⊙ dR/dw| over the kernels of
 * the convolutions and dense layers. The weights are restored afterwards.
 *
 * The reference code runs in float64; tfjs runs in float32, where R (a product of |w| sums along
 * every path) can overflow for deep networks. With positive weights every ReLU passes its input,
 * and a network whose hidden layers have no bias is positively homogeneous in its input:
 * R(s·1) = s·R(1) and dR/dw scales by s too. So when R or the score is not finite at s = 1 it is
 * computed at s = 2^-32, 2^-64, 2^-96 and divided by s in float64 (powers of two scale exactly).
 * The per-kernel sums are added in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { scoredKernels, withBatchNormBypassed } from './scored-layers.ts';

const INPUT_SCALES = [1, 2 ** -32, 2 ** -64, 2 ** -96];

/** The model must output logits (not probabilities: their sum is 1 whatever the weights). */
export function synflow(model: tf.LayersModel): number {
  const originals = model.weights.map((w) => tf.keep(w.read().clone()));
  try {
    for (const weight of model.weights) {
      const magnitude = tf.abs(weight.read());
      weight.write(magnitude);
      magnitude.dispose();
    }
    return withBatchNormBypassed(model, () => {
      for (const scale of INPUT_SCALES) {
        const score = synflowAt(model, scale);
        if (Number.isFinite(score)) return score / scale;
      }
      return Number.POSITIVE_INFINITY;
    });
  } finally {
    model.weights.forEach((weight, i) => weight.write(originals[i]));
    tf.dispose(originals);
  }
}

function synflowAt(model: tf.LayersModel, scale: number): number {
  const shape = model.inputs[0].shape.map((d) => d ?? 1);
  const kernels = scoredKernels(model);
  return tf.tidy(() => {
    const input = tf.fill([1, ...shape.slice(1)], scale);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(input, { training: false }) as tf.Tensor) as tf.Scalar,
      kernels,
    );
    if (!Number.isFinite(value.dataSync()[0])) return Number.POSITIVE_INFINITY;
    let score = 0;
    for (const kernel of kernels) score += tf.sum(tf.abs(tf.mul(kernel, grads[kernel.name]))).dataSync()[0];
    return score;
  });
}
