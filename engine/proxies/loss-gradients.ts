/**
 * The proxies of one loss gradient at initialisation (the zero-cost-proxies reference code's
 * `bn=True`: batch norm in training mode, normalising with the batch's own statistics):
 * - snip (Lee et al. 2019): Σ |w ⊙ dL/dw|, the gradient of the loss wrt a multiplicative mask of ones;
 * - grad_norm: the L2 norm of dL/dw over all scored kernels together (the reference code sums
 *   per-layer norms instead; both rank by the size of the gradient).
 * L is the mean softmax cross-entropy of the batch; w the kernels of convolutions and dense layers.
 */
import * as tf from '@tensorflow/tfjs';
import { scoredKernels } from './scored-layers.ts';

export interface LossGradientScores {
  snip: number;
  gradNorm: number;
}

/** The model must output logits; `x` is an NHWC batch, `labels` its classes. */
export function lossGradientScores(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor1D): LossGradientScores {
  const kernels = scoredKernels(model);
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits) as tf.Scalar;
    }, kernels);
    let snip = 0;
    let squares = 0;
    for (const kernel of kernels) {
      const gradient = grads[kernel.name];
      snip += tf.sum(tf.abs(tf.mul(kernel, gradient))).dataSync()[0];
      squares += tf.sum(tf.square(gradient)).dataSync()[0];
    }
    return { snip, gradNorm: Math.sqrt(squares) };
  });
}
