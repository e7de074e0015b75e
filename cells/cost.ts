/**
 * Analytic cost model over the layer graph: output shapes, parameter count
 * and FLOPs, without building a model.
 */
import type { LayerGraph, LayerNode, Padding } from './graph.ts';
import type { Cost } from '../contracts/genotypes.ts';

/**
 * What `Cost.flops` counts. One multiply-accumulate (MAC) is one FLOP, and only
 * the MACs of conv2d, depthwiseConv2d and dense layers are counted (the
 * convention of the NASNet/MobileNet/EfficientNet papers). Bias additions,
 * batch norm, activations, pooling, add/multiply, padding and resizing are
 * treated as free.
 */
export const FLOPS_CONVENTION =
  'multiply-accumulates of conv2d, depthwiseConv2d and dense layers, each MAC counted once; ' +
  'bias, batch norm, activations, pooling, element-wise ops, padding and resizing are not counted';

/** NHWC without the batch axis: [height, width, channels], or [units] after flatten/pool/dense. */
export type Shape = number[];

export class GraphShapeError extends Error {
  readonly node: string;
  constructor(node: string, problem: string) {
    super(`graph node "${node}": ${problem}`);
    this.node = node;
    this.name = 'GraphShapeError';
  }
}

/** Output length of a sliding window, exactly as tfjs-layers computes it (convOutputLength). */
export function windowOutputLength(
  input: number,
  kernel: number,
  padding: Padding,
  strides: number,
  dilation = 1,
): number {
  const span = kernel + (kernel - 1) * (dilation - 1);
  const length = padding === 'same' ? input : input - span + 1;
  return Math.floor((length + strides - 1) / strides);
}

/** Output shape of every node, indexed by node id. Throws GraphShapeError naming the node. */
export function inferShapes(graph: LayerGraph): Shape[] {
  const shapes: Shape[] = [];
  graph.nodes.forEach((node, index) => {
    if (node.id !== index) throw new GraphShapeError(node.name, `has id ${node.id} at position ${index}`);
    for (const input of node.inputs) {
      if (!Number.isInteger(input) || input < 0 || input >= index) {
        throw new GraphShapeError(node.name, `reads node ${input}, but may only read nodes 0..${index - 1}`);
      }
    }
    shapes.push(
      nodeShape(
        node,
        node.inputs.map((i) => shapes[i]),
      ),
    );
  });
  if (!graph.nodes[graph.output]) throw new Error(`graph: output node ${graph.output} does not exist`);
  return shapes;
}

function nodeShape(node: LayerNode, inputs: Shape[]): Shape {
  const fail = (problem: string): never => {
    throw new GraphShapeError(node.name, problem);
  };
  const arity = (min: number, max: number) => {
    if (inputs.length < min || inputs.length > max) {
      fail(
        `${node.op} takes ${min === max ? min : `${min}..${max === Infinity ? 'n' : max}`} inputs, got ${inputs.length}`,
      );
    }
  };
  const spatial = (shape: Shape): [number, number, number] => {
    if (shape.length !== 3) fail(`${node.op} needs a [height, width, channels] input, got [${shape}]`);
    return shape as [number, number, number];
  };
  const positive = (shape: Shape): Shape => {
    if (shape.some((d) => !(Number.isInteger(d) && d > 0))) fail(`output shape [${shape}] has a non-positive size`);
    return shape;
  };

  switch (node.op) {
    case 'input':
      arity(0, 0);
      if (node.id !== 0) fail('only node 0 may be the input');
      return positive([node.height, node.width, node.channels]);
    case 'conv2d':
    case 'depthwiseConv2d': {
      arity(1, 1);
      const [h, w, c] = spatial(inputs[0]);
      if (node.strides > 1 && node.dilation > 1)
        fail(`strides ${node.strides} with dilation ${node.dilation}: one must be 1`);
      if (node.op === 'depthwiseConv2d' && node.padding === 'valid' && node.dilation > 1) {
        // tfjs-layers' DepthwiseConv2D.computeOutputShape ignores the dilation.
        fail(
          `depthwiseConv2d with padding 'valid' and dilation ${node.dilation} is not supported (use padding 'same')`,
        );
      }
      const channels = node.op === 'conv2d' ? node.filters : c;
      return positive([
        windowOutputLength(h, node.kernel[0], node.padding, node.strides, node.dilation),
        windowOutputLength(w, node.kernel[1], node.padding, node.strides, node.dilation),
        channels,
      ]);
    }
    case 'maxPool':
    case 'avgPool': {
      arity(1, 1);
      const [h, w, c] = spatial(inputs[0]);
      return positive([
        windowOutputLength(h, node.pool, node.padding, node.strides),
        windowOutputLength(w, node.pool, node.padding, node.strides),
        c,
      ]);
    }
    case 'dense':
      arity(1, 1);
      return positive([...inputs[0].slice(0, -1), node.units]);
    case 'batchNorm':
    case 'activation':
    case 'dropout':
      arity(1, 1);
      return inputs[0];
    case 'globalAvgPool': {
      arity(1, 1);
      const c = spatial(inputs[0])[2];
      return node.keepDims ? [1, 1, c] : [c];
    }
    case 'flatten':
      arity(1, 1);
      return [inputs[0].reduce((a, b) => a * b, 1)];
    case 'add':
      arity(2, Infinity);
      for (const shape of inputs.slice(1)) {
        if (!sameShape(shape, inputs[0]))
          fail(`add needs inputs of one shape, got ${inputs.map((s) => `[${s}]`).join(' and ')}`);
      }
      return inputs[0];
    case 'multiply':
      arity(2, Infinity);
      return inputs.reduce((a, b) => broadcast(a, b, fail));
    case 'concat': {
      arity(2, Infinity);
      const [h, w] = spatial(inputs[0]);
      for (const shape of inputs) {
        const [hh, ww] = spatial(shape);
        if (hh !== h || ww !== w)
          fail(`concat needs inputs of one height and width, got ${inputs.map((s) => `[${s}]`).join(' and ')}`);
      }
      return [h, w, inputs.reduce((sum, s) => sum + s[2], 0)];
    }
    case 'zeroPad': {
      arity(1, 1);
      const [h, w, c] = spatial(inputs[0]);
      const [top, bottom, left, right] = node.pad;
      return positive([h + top + bottom, w + left + right, c]);
    }
    case 'crop': {
      arity(1, 1);
      const [h, w, c] = spatial(inputs[0]);
      const [top, bottom, left, right] = node.crop;
      return positive([h - top - bottom, w - left - right, c]);
    }
    case 'resize':
      arity(1, 1);
      return positive([node.height, node.width, spatial(inputs[0])[2]]);
    default:
      return fail(`unknown op ${(node as { op: string }).op}`);
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function broadcast(a: Shape, b: Shape, fail: (problem: string) => never): Shape {
  if (a.length !== b.length) fail(`multiply needs inputs of one rank, got [${a}] and [${b}]`);
  return a.map((d, i) => {
    if (d === b[i] || b[i] === 1) return d;
    if (d === 1) return b[i];
    return fail(`multiply cannot broadcast [${a}] with [${b}]`);
  });
}

/** Parameters (as tfjs `countParams()` counts them, non-trainable included) and MACs of each node. */
export function nodeCost(node: LayerNode, inputShape: Shape | undefined, outputShape: Shape): Cost {
  const outputPositions = (shape: Shape) => shape.slice(0, -1).reduce((a, b) => a * b, 1);
  switch (node.op) {
    case 'conv2d': {
      const cin = inputShape![2];
      const kernel = node.kernel[0] * node.kernel[1] * cin * node.filters;
      return { params: kernel + (node.useBias ? node.filters : 0), flops: outputPositions(outputShape) * kernel };
    }
    case 'depthwiseConv2d': {
      const cin = inputShape![2];
      const kernel = node.kernel[0] * node.kernel[1] * cin;
      return { params: kernel + (node.useBias ? cin : 0), flops: outputPositions(outputShape) * kernel };
    }
    case 'dense': {
      const units = inputShape![inputShape!.length - 1];
      const kernel = units * node.units;
      return { params: kernel + (node.useBias ? node.units : 0), flops: outputPositions(outputShape) * kernel };
    }
    case 'batchNorm':
      // gamma, beta, moving mean and moving variance: tfjs counts all four.
      return { params: 4 * outputShape[outputShape.length - 1], flops: 0 };
    default:
      return { params: 0, flops: 0 };
  }
}

/** Which nodes the output depends on (a built model contains only these). */
export function liveNodes(graph: LayerGraph): boolean[] {
  const live = graph.nodes.map(() => false);
  live[graph.output] = true;
  for (let id = graph.output; id >= 0; id--) {
    if (live[id]) for (const input of graph.nodes[id].inputs) live[input] = true;
  }
  return live;
}

/**
 * Total parameters and FLOPs (see FLOPS_CONVENTION) of the nodes the output
 * depends on. Every node's shape is still checked.
 */
export function graphCost(graph: LayerGraph): Cost {
  const shapes = inferShapes(graph);
  const live = liveNodes(graph);
  let params = 0;
  let flops = 0;
  for (const node of graph.nodes) {
    if (!live[node.id]) continue;
    const cost = nodeCost(node, shapes[node.inputs[0]], shapes[node.id]);
    params += cost.params;
    flops += cost.flops;
  }
  return { params, flops };
}
