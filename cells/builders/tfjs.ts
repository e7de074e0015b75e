/**
 * Builds a tfjs-layers functional model from a layer graph, and counts the
 * FLOPs of a built model independently of the analytic cost model.
 */
import * as tf from '@tensorflow/tfjs';
import { inferShapes, liveNodes } from '../cost.ts';
import type { ActivationFn, LayerGraph, LayerNode } from '../graph.ts';
import { FusedBatchNormalization } from './batch-norm.ts';
import { DilatedConv2D } from './dilated-conv.ts';

export type TfActivation = 'relu' | 'relu6' | 'swish' | 'sigmoid' | 'tanh' | 'softmax' | 'linear';
export const TFJS_ACTIVATIONS: Record<ActivationFn, TfActivation> = {
  relu: 'relu',
  relu6: 'relu6',
  silu: 'swish', // tfjs swish(x) = x * sigmoid(x), i.e. SiLU
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  linear: 'linear',
};

interface ResizeArgs {
  height: number;
  width: number;
  name?: string;
}

/**
 * Bilinear resize (align_corners false, no half-pixel centres, the variant
 * whose gradient tfjs implements). tfjs' own `Resizing` layer drops the batch
 * axis from its output shape, so it cannot sit inside a functional model.
 */
export class ResizeBilinear extends tf.layers.Layer {
  static className = 'NasResizeBilinear';
  private readonly height: number;
  private readonly width: number;

  constructor(args: ResizeArgs) {
    super(args);
    this.height = args.height;
    this.width = args.width;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.height, this.width, shape[3]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.image.resizeBilinear(x, [this.height, this.width], false, false);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}
tf.serialization.registerClass(ResizeBilinear);

/** The tfjs layer name a graph node gets: its own name when tfjs accepts it, else a cleaned unique one. */
export function layerNameFor(node: LayerNode): string {
  if (/^[A-Za-z0-9][-A-Za-z0-9._/]*$/.test(node.name) && !node.name.includes('__')) return node.name;
  return `n${node.id}__${node.name.replace(/[^-A-Za-z0-9._/]/g, '_')}`;
}

export interface BuildOptions {
  /**
   * Inference-only layers of tfjs itself where training needs this project's (exported models):
   * tfjs' BatchNormalization for FusedBatchNormalization, Conv2D with a dilation rate for
   * DilatedConv2D. Same weights in the same order, so trained weights load by position.
   */
  standardLayers?: boolean;
}

/**
 * A functional model computing the graph's output from its input. Only nodes
 * the output depends on are built (as the cost model counts them). Shapes are
 * checked by the cost model first, so a bad graph fails with a node name.
 */
export function buildModel(graph: LayerGraph, name = 'model', options: BuildOptions = {}): tf.LayersModel {
  const shapes = inferShapes(graph);
  const live = liveNodes(graph);
  const tensors: tf.SymbolicTensor[] = [];
  for (const node of graph.nodes) {
    if (!live[node.id]) continue;
    const inputs = distinctInputs(
      node,
      node.inputs.map((i) => tensors[i]),
    );
    tensors[node.id] = applyNode(node, inputs, shapes[node.id], options.standardLayers ?? false);
  }
  return tf.model({ inputs: tensors[0], outputs: tensors[graph.output], name });
}

/**
 * tfjs-layers frees an intermediate tensor too early when one layer reads it
 * twice (add(x, x) in a cell whose two ops are identity on the same input),
 * so a repeated input goes through a parameter-free linear pass-through.
 */
function distinctInputs(node: LayerNode, inputs: tf.SymbolicTensor[]): tf.SymbolicTensor[] {
  return inputs.map((input, k) =>
    inputs.indexOf(input) === k
      ? input
      : (tf.layers
          .activation({ activation: 'linear', name: `${layerNameFor(node)}/repeat${k}` })
          .apply(input) as tf.SymbolicTensor),
  );
}

function applyNode(
  node: LayerNode,
  inputs: tf.SymbolicTensor[],
  outputShape: number[],
  standardLayers: boolean,
): tf.SymbolicTensor {
  const name = layerNameFor(node);
  const one = (layer: tf.layers.Layer) => layer.apply(inputs[0]) as tf.SymbolicTensor;
  const many = (layer: tf.layers.Layer) => layer.apply(inputs) as tf.SymbolicTensor;
  switch (node.op) {
    case 'input':
      return tf.input({ shape: [node.height, node.width, node.channels], name });
    case 'conv2d':
      if (node.dilation > 1 && !standardLayers) {
        return one(
          new DilatedConv2D({
            name,
            filters: node.filters,
            kernel: node.kernel,
            dilation: node.dilation,
            padding: node.padding,
            useBias: node.useBias,
            activation: TFJS_ACTIVATIONS[node.activation],
          }),
        );
      }
      return one(
        tf.layers.conv2d({
          name,
          filters: node.filters,
          kernelSize: node.kernel,
          strides: node.strides,
          padding: node.padding,
          dilationRate: node.dilation,
          useBias: node.useBias,
          activation: TFJS_ACTIVATIONS[node.activation],
        }),
      );
    case 'depthwiseConv2d':
      return one(
        tf.layers.depthwiseConv2d({
          name,
          kernelSize: node.kernel,
          strides: node.strides,
          padding: node.padding,
          dilationRate: node.dilation,
          useBias: node.useBias,
          activation: TFJS_ACTIVATIONS[node.activation],
        }),
      );
    case 'dense':
      return one(
        tf.layers.dense({
          name,
          units: node.units,
          useBias: node.useBias,
          activation: TFJS_ACTIVATIONS[node.activation],
        }),
      );
    case 'batchNorm':
      // Momentum 0.9, not Keras' 0.99: after the few hundred steps of a short trial, 0.99 leaves the
      // moving statistics mostly at their initial values and inference-mode accuracy at chance.
      return one(
        standardLayers
          ? tf.layers.batchNormalization({ name, momentum: 0.9 })
          : new FusedBatchNormalization({ name, momentum: 0.9 }),
      );
    case 'activation':
      return one(tf.layers.activation({ name, activation: TFJS_ACTIVATIONS[node.fn] }));
    case 'maxPool':
      return one(tf.layers.maxPooling2d({ name, poolSize: node.pool, strides: node.strides, padding: node.padding }));
    case 'avgPool':
      return one(
        tf.layers.averagePooling2d({ name, poolSize: node.pool, strides: node.strides, padding: node.padding }),
      );
    case 'globalAvgPool': {
      if (!node.keepDims) return one(tf.layers.globalAveragePooling2d({ name }));
      const pooled = one(tf.layers.globalAveragePooling2d({ name: `${name}__pool` }));
      return tf.layers.reshape({ name, targetShape: outputShape }).apply(pooled) as tf.SymbolicTensor;
    }
    case 'flatten':
      return one(tf.layers.flatten({ name }));
    case 'dropout':
      return one(tf.layers.dropout({ name, rate: node.rate }));
    case 'add':
      return many(tf.layers.add({ name }));
    case 'multiply':
      return many(tf.layers.multiply({ name }));
    case 'concat':
      return many(tf.layers.concatenate({ name, axis: -1 }));
    case 'zeroPad': {
      const [top, bottom, left, right] = node.pad;
      return one(
        tf.layers.zeroPadding2d({
          name,
          padding: [
            [top, bottom],
            [left, right],
          ],
        }),
      );
    }
    case 'crop': {
      const [top, bottom, left, right] = node.crop;
      return one(
        tf.layers.cropping2D({
          name,
          cropping: [
            [top, bottom],
            [left, right],
          ],
        }),
      );
    }
    case 'resize':
      return one(new ResizeBilinear({ name, height: node.height, width: node.width }));
  }
}

/**
 * Multiply-accumulates of a built model, read from tfjs' own kernel and output
 * shapes (not from the graph), counting conv2d, depthwise conv2d and dense
 * layers as the cost model does. Used to cross-check `graphCost`.
 */
export function countFlopsFromModel(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'Conv2D' || kind === DilatedConv2D.className || kind === 'DepthwiseConv2D' || kind === 'Dense') {
      const kernel = layer.weights.find((w) => /kernel/.test(w.originalName))!;
      const output = layer.outputShape as number[];
      const positions = output.slice(1, -1).reduce((a, b) => a * b, 1);
      flops += positions * kernel.shape.reduce((a: number, b) => a * (b as number), 1);
    } else if (kind !== FusedBatchNormalization.className && layer.weights.length > 0) {
      throw new Error(`countFlopsFromModel: layer ${layer.name} (${kind}) has weights but no FLOP rule`);
    }
  }
  return flops;
}
