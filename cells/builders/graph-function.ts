/**
 * A layer graph run as a function of its input and of weights supplied per node, op for op as the
 * layers of `buildModel` compute it in training mode. A weight-sharing network runs each sampled
 * architecture's graph this way, with weights read from its shared store.
 *
 * Batch norm always normalises with the batch's own statistics (as the built model does in
 * training) and keeps no moving statistics: they would mix the statistics of every path.
 */
import * as tf from '@tensorflow/tfjs';
import { liveNodes } from '../cost.ts';
import type { ActivationFn, LayerGraph, LayerNode } from '../graph.ts';
import { batchNormInTraining } from './batch-norm.ts';
import { dilatedConv2d } from './dilated-conv.ts';
import { TFJS_ACTIVATIONS } from './tfjs.ts';

/** The trainable weights of a node in its tfjs layer's order (see cells/trainable-weights.ts). */
export type WeightsOfNode = (node: LayerNode) => tf.Tensor[];

/** tfjs-layers' BatchNormalization default, which the built model's layers keep. */
const BATCH_NORM_EPSILON = 1e-3;

/** The graph's output for `x`; intermediate tensors are freed. */
export function runGraph(graph: LayerGraph, x: tf.Tensor4D, weightsOf: WeightsOfNode): tf.Tensor {
  return tf.tidy(() => {
    const live = liveNodes(graph);
    const values: tf.Tensor[] = [];
    for (const node of graph.nodes) {
      if (live[node.id])
        values[node.id] =
          node.op === 'input'
            ? x
            : applyNode(
                node,
                node.inputs.map((i) => values[i]),
                weightsOf,
              );
    }
    return values[graph.output];
  });
}

function activate(x: tf.Tensor, fn: ActivationFn): tf.Tensor {
  return fn === 'linear' ? x : (tf.layers.activation({ activation: TFJS_ACTIVATIONS[fn] }).apply(x) as tf.Tensor);
}

function applyNode(node: LayerNode, inputs: tf.Tensor[], weightsOf: WeightsOfNode): tf.Tensor {
  const x = inputs[0];
  switch (node.op) {
    case 'input':
      return x;
    case 'conv2d': {
      const [kernel, bias] = weightsOf(node) as [tf.Tensor4D, tf.Tensor1D | undefined];
      if (node.dilation > 1) {
        const y = dilatedConv2d(x as tf.Tensor4D, kernel, node.dilation, node.padding);
        return activate(bias ? tf.add(y, bias) : y, node.activation);
      }
      const y = tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: kernel,
        strides: node.strides,
        pad: node.padding,
        dataFormat: 'NHWC',
        dilations: node.dilation,
        bias,
        activation: 'linear',
      });
      return activate(y, node.activation);
    }
    case 'depthwiseConv2d': {
      const [kernel, bias] = weightsOf(node) as [tf.Tensor4D, tf.Tensor1D | undefined];
      const y = tf.depthwiseConv2d(x as tf.Tensor4D, kernel, node.strides, node.padding, 'NHWC', node.dilation);
      return activate(bias ? tf.add(y, bias) : y, node.activation);
    }
    case 'dense': {
      const [kernel, bias] = weightsOf(node) as [tf.Tensor2D, tf.Tensor1D | undefined];
      const y = tf.matMul(x as tf.Tensor2D, kernel);
      return activate(bias ? tf.add(y, bias) : y, node.activation);
    }
    case 'batchNorm': {
      const [gamma, beta] = weightsOf(node) as [tf.Tensor1D, tf.Tensor1D];
      const { y, mean, variance } = batchNormInTraining(x, gamma, beta, BATCH_NORM_EPSILON);
      tf.dispose([mean, variance]);
      return y;
    }
    case 'activation':
      return activate(x, node.fn);
    case 'maxPool':
      return tf.maxPool(x as tf.Tensor4D, node.pool, node.strides, node.padding);
    case 'avgPool':
      return tf.avgPool(x as tf.Tensor4D, node.pool, node.strides, node.padding);
    case 'globalAvgPool':
      return tf.mean(x, [1, 2], node.keepDims);
    case 'flatten':
      return tf.reshape(x, [x.shape[0], -1]);
    case 'add':
      return inputs.slice(1).reduce((sum, t) => tf.add(sum, t), x);
    case 'multiply':
      return inputs.slice(1).reduce((product, t) => tf.mul(product, t), x);
    case 'concat':
      return tf.concat(inputs, -1);
    case 'zeroPad': {
      const [top, bottom, left, right] = node.pad;
      return tf.pad(x, [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]);
    }
    case 'crop': {
      const [top, bottom, left, right] = node.crop;
      const [, height, width] = x.shape;
      return tf.slice(x, [0, top, left, 0], [-1, height! - top - bottom, width! - left - right, -1]);
    }
    case 'resize':
      return tf.image.resizeBilinear(x as tf.Tensor4D, [node.height, node.width], false, false);
    case 'dropout':
      throw new Error(`runGraph: node ${node.name}: dropout is not supported (its masks would need a seed per run)`);
  }
}
