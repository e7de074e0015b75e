/**
 * The trainable weights of a layer-graph node, named and shaped as the tfjs builder's layer holds
 * them, in the layer's order (batch norm's moving statistics are not trainable and not listed).
 */
import type { Shape } from './cost.ts';
import type { LayerNode } from './graph.ts';

export type WeightRole = 'kernel' | 'bias' | 'gamma' | 'beta';

export interface NodeWeight {
  role: WeightRole;
  shape: number[];
  /** The axis that runs over the node's input channels, or null when the weight has none. */
  inputChannelAxis: number | null;
}

/** `inputShape` is the shape of the node's (first) input, without the batch axis. */
export function trainableWeights(node: LayerNode, inputShape: Shape): NodeWeight[] {
  const cin = inputShape[inputShape.length - 1];
  switch (node.op) {
    case 'conv2d':
      return [
        { role: 'kernel', shape: [...node.kernel, cin, node.filters], inputChannelAxis: 2 },
        ...(node.useBias ? [{ role: 'bias' as const, shape: [node.filters], inputChannelAxis: null }] : []),
      ];
    case 'depthwiseConv2d':
      return [
        { role: 'kernel', shape: [...node.kernel, cin, 1], inputChannelAxis: 2 },
        ...(node.useBias ? [{ role: 'bias' as const, shape: [cin], inputChannelAxis: 0 }] : []),
      ];
    case 'dense':
      return [
        { role: 'kernel', shape: [cin, node.units], inputChannelAxis: 0 },
        ...(node.useBias ? [{ role: 'bias' as const, shape: [node.units], inputChannelAxis: null }] : []),
      ];
    case 'batchNorm':
      return [
        { role: 'gamma', shape: [cin], inputChannelAxis: null },
        { role: 'beta', shape: [cin], inputChannelAxis: null },
      ];
    default:
      return [];
  }
}
