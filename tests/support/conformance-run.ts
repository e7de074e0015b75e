/**
 * Runs a layer graph on the current tfjs backend with given weights: the
 * inference output, the training output, and the gradients of
 * sum(training output * dy) with respect to the input and every trainable
 * weight. Plain arrays out, so results of two backends can be compared.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { buildModel } from '../../cells/builders/tfjs.ts';
import type { LayerGraph } from '../../cells/graph.ts';

export interface GraphRun {
  /** Labelled results: 'inference', 'training', 'd input', 'd <weight name>'. */
  outputs: Array<{ label: string; shape: number[]; values: Float32Array }>;
}

export interface GraphInputs {
  x: { shape: number[]; values: Float32Array };
  /** In the order of model.weights. */
  weights: Float32Array[];
  dy: Float32Array;
}

function uniform(rng: () => number, length: number, low: number, high: number): Float32Array {
  return Float32Array.from({ length }, () => low + (high - low) * rng());
}

/**
 * Seeded input, weights and output gradient for a graph (shapes read from a model built on the
 * current backend). Batch-norm scales and variances lie in [0.5, 1.5], everything else in [-1, 1].
 */
export function seededInputs(graph: LayerGraph, seed: string, batch = 2): GraphInputs {
  const rng = seedrandom(seed);
  const model = buildModel(graph);
  try {
    const input = graph.nodes[0];
    if (input.op !== 'input') throw new Error('graph node 0 is not an input');
    const xShape = [batch, input.height, input.width, input.channels];
    const weights = model.weights.map((w) => {
      const size = tf.util.sizeFromShape(w.shape as number[]);
      return /gamma|variance/.test(w.originalName) ? uniform(rng, size, 0.5, 1.5) : uniform(rng, size, -1, 1);
    });
    const outShape = [batch, ...(model.outputs[0].shape.slice(1) as number[])];
    return {
      x: { shape: xShape, values: uniform(rng, tf.util.sizeFromShape(xShape), -1, 1) },
      weights,
      dy: uniform(rng, tf.util.sizeFromShape(outShape), -1, 1),
    };
  } finally {
    model.dispose();
  }
}

/** Builds the graph on the current backend, loads the weights, and runs it forward (inference and training) and backward. */
export function runGraph(graph: LayerGraph, inputs: GraphInputs): GraphRun {
  const model = buildModel(graph);
  try {
    return tf.tidy(() => {
      model.setWeights(model.weights.map((w, i) => tf.tensor(inputs.weights[i], w.shape as number[])));
      const x = tf.tensor(inputs.x.values, inputs.x.shape);
      const inference = model.predict(x) as tf.Tensor;
      const dy = tf.tensor(inputs.dy, inference.shape);
      const training = model.apply(x, { training: true }) as tf.Tensor;
      const trainable = model.trainableWeights.map((w) => w.read());
      // Gradients with respect to the variables the model reads, passed alongside the input.
      const f = (input: tf.Tensor) => tf.sum(tf.mul(model.apply(input, { training: true }) as tf.Tensor, dy));
      const grads = tf.grads(f)([x, ...trainable]);
      const plain = (label: string, t: tf.Tensor) => ({ label, shape: t.shape, values: t.dataSync() as Float32Array });
      return {
        outputs: [
          plain('inference', inference),
          plain('training', training),
          plain('d input', grads[0]),
          ...grads.slice(1).map((g, i) => plain(`d ${model.trainableWeights[i].originalName}`, g)),
        ],
      };
    });
  } finally {
    model.dispose();
  }
}
