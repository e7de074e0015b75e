/**
 * NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training"): over one mini-batch
 * of N images, each image's binary code of which ReLU units are active; the kernel
 * K_H[i][j] = N_A − Hamming(c_i, c_j) (N_A units); score = log |det K_H|. As in the authors' code,
 * K_H is accumulated per ReLU as c cᵀ + (1 − c)(1 − c)ᵀ, batch norm in training mode. The counts
 * are integers below 2^24, exact in float32; K_H is summed and its determinant taken in float64.
 * -Infinity when two images share a code (K_H singular).
 */
import * as tf from '@tensorflow/tfjs';
import { logAbsDeterminant } from '../../numeric/log-determinant.ts';
import { reluLayers } from './scored-layers.ts';

export function naswot(model: tf.LayersModel, x: tf.Tensor): number {
  const relus = reluLayers(model);
  if (relus.length === 0) throw new Error('naswot: the model has no ReLU');
  const n = x.shape[0];
  // Shares the model's layers and weights; not disposed (that would dispose them).
  const probe = tf.model({ inputs: model.inputs, outputs: relus.map((layer) => layer.output as tf.SymbolicTensor) });
  const kernel = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  tf.tidy(() => {
    const outputs = [probe.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
    for (const output of outputs) {
      const active = tf.cast(tf.greater(tf.reshape(output, [n, -1]), 0), 'float32') as tf.Tensor2D;
      const inactive = tf.sub(1, active) as tf.Tensor2D;
      const agreements = tf.add(tf.matMul(active, active, false, true), tf.matMul(inactive, inactive, false, true));
      const values = agreements.dataSync();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kernel[i][j] += values[i * n + j];
    }
  });
  return logAbsDeterminant(kernel);
}
