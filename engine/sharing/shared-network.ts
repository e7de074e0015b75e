/**
 * The tensors of a weight-sharing network over a NASNet space (cells/nasnet/shared-weights.ts
 * says which weights exist and which a genotype's network reads): a path is the genotype's
 * standalone graph run with its weights read from the shared store.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { runGraph } from '../../cells/builders/graph-function.ts';
import type { SharedWeight } from '../../cells/nasnet/shared-weights.ts';
import {
  sharedNasnet,
  type NasnetPath,
  type PathWeight,
  type SharedNasnet,
} from '../../cells/nasnet/shared-weights.ts';
import type { InputShape, NasnetArchitecture } from '../../contracts/genotypes.ts';
import { correctCount, crossEntropy } from '../metrics.ts';

export interface SharedNetworkOptions {
  space: Parameters<typeof sharedNasnet>[0];
  input: InputShape;
  classes: number;
  /** Seeds the initial value of each weight, from the seed and the weight's key alone. */
  seed: number;
}

export interface PathLoss {
  loss: number;
  correct: number;
}

export class SharedNetwork {
  readonly layout: SharedNasnet;
  readonly variables: ReadonlyMap<string, tf.Variable>;

  constructor(options: SharedNetworkOptions) {
    this.layout = sharedNasnet(options.space, options.input, options.classes);
    const variables = new Map<string, tf.Variable>();
    try {
      for (const weight of this.layout.weights) variables.set(weight.key, initialWeight(weight, options.seed));
    } catch (error) {
      tf.dispose([...variables.values()]);
      throw error;
    }
    this.variables = variables;
  }

  path(arch: NasnetArchitecture): NasnetPath {
    return this.layout.path(arch);
  }

  /** The value a path's node reads for one of its weights. */
  read(weight: PathWeight): tf.Tensor {
    return readRows(this.variables.get(weight.key)!, weight);
  }

  /** Class probabilities of the path for `x`, batch norm on the batch's own statistics. */
  predict(path: NasnetPath, x: tf.Tensor4D): tf.Tensor2D {
    const byNode = new Map(path.nodes.map((n) => [n.node, n.weights]));
    return runGraph(path.graph, x, (node) => {
      const weights = byNode.get(node.id);
      if (!weights) throw new Error(`shared network: no weights bound to node ${node.name}`);
      return weights.map((w) => this.read(w));
    }) as tf.Tensor2D;
  }

  /**
   * Mean cross-entropy of the path on (x, y) and its gradients with respect to the shared weights
   * it reads, by weight key.
   */
  lossAndGradients(path: NasnetPath, x: tf.Tensor4D, y: tf.Tensor1D): PathLoss & { gradients: Map<string, tf.Tensor> } {
    let hits: tf.Scalar | undefined;
    const keys = [...new Set(path.nodes.flatMap((n) => n.weights.map((w) => w.key)))];
    const { value, grads } = tf.variableGrads(
      () => {
        const probabilities = this.predict(path, x);
        hits = tf.keep(correctCount(probabilities, y));
        return crossEntropy(probabilities, y);
      },
      keys.map((key) => this.variables.get(key)!),
    );
    try {
      return {
        loss: value.dataSync()[0],
        correct: hits!.dataSync()[0],
        gradients: new Map(keys.map((key) => [key, grads[this.variables.get(key)!.name]])),
      };
    } finally {
      tf.dispose([value, hits!]);
    }
  }

  /** Mean cross-entropy and correct predictions of the path on (x, y). */
  evaluate(path: NasnetPath, x: tf.Tensor4D, y: tf.Tensor1D): PathLoss {
    return tf.tidy(() => {
      const probabilities = this.predict(path, x);
      return {
        loss: crossEntropy(probabilities, y).dataSync()[0],
        correct: correctCount(probabilities, y).dataSync()[0],
      };
    });
  }

  dispose(): void {
    tf.dispose([...this.variables.values()]);
  }
}

/**
 * The rows of `tensor` (a shared weight or its gradient) that a path weight reads. Slices and a
 * concat rather than a gather: both have gradients on every backend (wasm has no gather gradient).
 */
export function readRows(tensor: tf.Tensor, { rows, axis }: Pick<PathWeight, 'rows' | 'axis'>): tf.Tensor {
  if (rows === null) return tensor;
  return tf.tidy(() => {
    const parts = rows.map(([first, count]) => {
      const begin = tensor.shape.map((_, i) => (i === axis ? first : 0));
      const size = tensor.shape.map((d, i) => (i === axis ? count : d));
      return tf.slice(tensor, begin, size);
    });
    return parts.length === 1 ? parts[0] : tf.concat(parts, axis);
  });
}

/** Glorot-uniform kernels (as the standalone layers start), unit gammas, zero betas and biases. */
function initialWeight(weight: SharedWeight, seed: number): tf.Variable {
  return tf.tidy(() => {
    if (weight.role === 'gamma') return tf.variable(tf.ones(weight.shape));
    if (weight.role !== 'kernel') return tf.variable(tf.zeros(weight.shape));
    const keySeed = seedrandom(`${seed}/${weight.key}`).int32();
    return tf.variable(tf.initializers.glorotUniform({ seed: keySeed }).apply(weight.shape));
  });
}
