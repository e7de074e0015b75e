/**
 * Batch normalization whose training step is one op with a closed-form
 * gradient.
 *
 * tfjs-layers normalises a training batch with tf.moments and tf.batchNorm
 * and lets autodiff differentiate both: about twenty element-wise passes and
 * broadcasts over the activation per layer, the largest share of a NASNet-A
 * step on wasm after the convolutions. Here the forward pass is two passes
 * plus two reductions, and the gradient
 *   dbeta = sum(dy), dgamma = sum(dy * xhat),
 *   dx = gamma / std * (dy - (dbeta + xhat * dgamma) / count)
 * five passes plus two reductions, or one kernel each where the backend
 * registers them (wasm does). Same weights, moving averages, inference path
 * and configuration as tf.layers.batchNormalization; serialised under its own
 * class name.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_MOMENTS_KERNEL } from '../../contracts/kernel-names.ts';

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;

/** The fields of tfjs-layers' BatchNormalization that the training path reads. */
export interface StockBatchNormalization extends tf.layers.Layer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor;
}

// tfjs does not export the class itself; a bare instance gives its constructor.
const Stock = tf.layers.batchNormalization({}).constructor as {
  new (args: BatchNormArgs): StockBatchNormalization;
  fromConfig: (typeof tf.layers.Layer)['fromConfig'];
};

/** A batch-norm layer, tfjs-layers' own or FusedBatchNormalization (a subclass). */
export function isBatchNormalization(layer: tf.layers.Layer): layer is StockBatchNormalization {
  return layer instanceof Stock;
}

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) != null;

/** Per-channel mean and biased (population) variance over `axes`, every axis but the last. */
export function moments(x: tf.Tensor, axes: number[]): [tf.Tensor1D, tf.Tensor1D] {
  if (hasKernel(BATCH_NORM_MOMENTS_KERNEL))
    return tf.engine().runKernel(BATCH_NORM_MOMENTS_KERNEL, { x }) as [tf.Tensor1D, tf.Tensor1D];
  const mean = tf.mean(x, axes) as tf.Tensor1D;
  return [mean, tf.mean(tf.squaredDifference(x, mean), axes) as tf.Tensor1D];
}

export interface TrainingNormalization {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Normalises `x` over every axis but the last with the batch's own statistics. */
export function batchNormInTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): TrainingNormalization {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const normalize = tf.customGrad((input, scale, offset, saveFunc) => {
    const [xIn, gammaIn, betaIn] = [input, scale, offset] as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = saveFunc as tf.GradSaveFunc;
    [mean, variance] = moments(xIn, axes).map((t) => tf.keep(t)) as [tf.Tensor1D, tf.Tensor1D];
    save([xIn, mean, variance, gammaIn]);
    return {
      value: tf.batchNorm(xIn, mean, variance, betaIn, gammaIn, epsilon),
      gradFunc: (dy, saved) => {
        const [xSaved, meanSaved, varianceSaved, gammaSaved] = saved as [
          tf.Tensor,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
        ];
        const dyIn = dy as tf.Tensor;
        if (hasKernel(BATCH_NORM_GRAD_KERNEL)) {
          const inputs = { dy: dyIn, x: xSaved, mean: meanSaved, variance: varianceSaved, gamma: gammaSaved };
          return tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, { epsilon }) as tf.Tensor[];
        }
        const xhat = tf.batchNorm(xSaved, meanSaved, varianceSaved, undefined, undefined, epsilon);
        const dbeta = tf.sum(dyIn, axes) as tf.Tensor1D;
        const dgamma = tf.sum(tf.mul(dyIn, xhat), axes) as tf.Tensor1D;
        const gain = tf.mul(gammaSaved, tf.rsqrt(tf.add(varianceSaved, epsilon))) as tf.Tensor1D;
        // dx = gain * dy + (b * xhat + c), b = -gain * dgamma / count, c = -gain * dbeta / count; b * xhat + c is one batchNorm of x.
        const perChannel = tf.div(tf.neg(gain), count) as tf.Tensor1D;
        const correction = tf.batchNorm(
          xSaved,
          meanSaved,
          varianceSaved,
          tf.mul(perChannel, dbeta),
          tf.mul(perChannel, dgamma),
          epsilon,
        );
        return [tf.add(tf.mul(dyIn, gain), correction), dgamma, dbeta];
      },
    };
  });
  const y = normalize(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

export class FusedBatchNormalization extends Stock {
  static className = 'NasBatchNormalization';

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = this.axis === -1 || this.axis === input.rank - 1;
    if (kwargs.training !== true || !lastAxis || !this.center || !this.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormInTraining(
        input,
        this.gamma.read() as tf.Tensor1D,
        this.beta.read() as tf.Tensor1D,
        this.epsilon,
      );
      try {
        for (const [moving, batch] of [
          [this.movingMean, mean],
          [this.movingVariance, variance],
        ] as const) {
          const current = moving.read();
          moving.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - this.momentum)));
        }
      } finally {
        tf.dispose([mean, variance]);
      }
      return y;
    });
  }
}
tf.serialization.registerClass(FusedBatchNormalization);
