/**
 * The layer graph: the one intermediate form every architecture compiles to.
 * The cost model (params, FLOPs) and the tfjs builder both read it, so the
 * two can never disagree about what a network is.
 *
 * Tensors are NHWC. Node ids are indices into `nodes`; a node only reads
 * nodes with smaller ids. The input node is node 0.
 */
export type Padding = 'same' | 'valid';
export type ActivationFn = 'relu' | 'relu6' | 'silu' | 'sigmoid' | 'tanh' | 'softmax' | 'linear';

export type LayerOp =
  | { op: 'input'; height: number; width: number; channels: number }
  | {
      op: 'conv2d';
      filters: number;
      kernel: [number, number];
      strides: number;
      padding: Padding;
      dilation: number;
      useBias: boolean;
      activation: ActivationFn;
    }
  | {
      op: 'depthwiseConv2d';
      kernel: [number, number];
      strides: number;
      padding: Padding;
      dilation: number;
      useBias: boolean;
      activation: ActivationFn;
    }
  | { op: 'dense'; units: number; useBias: boolean; activation: ActivationFn }
  | { op: 'batchNorm' }
  | { op: 'activation'; fn: ActivationFn }
  | { op: 'maxPool' | 'avgPool'; pool: number; strides: number; padding: Padding }
  | { op: 'globalAvgPool'; keepDims: boolean }
  | { op: 'flatten' }
  | { op: 'dropout'; rate: number }
  /** Element-wise sum of two or more inputs of one shape. */
  | { op: 'add' }
  /** Element-wise product; the second input may be 1x1xC (squeeze-and-excitation). */
  | { op: 'multiply' }
  /** Concatenation along channels. */
  | { op: 'concat' }
  /** Pads (top, bottom, left, right) with zeros. */
  | { op: 'zeroPad'; pad: [number, number, number, number] }
  /** Crops (top, bottom, left, right). */
  | { op: 'crop'; crop: [number, number, number, number] }
  /** Bilinear resize, used for resolution scaling. */
  | { op: 'resize'; height: number; width: number };

export type LayerNode = LayerOp & { id: number; inputs: number[]; name: string };

export interface LayerGraph {
  nodes: LayerNode[];
  /** Id of the node whose output is the network's output (class probabilities). */
  output: number;
}

type Without<T> = T extends unknown ? Omit<T, 'id' | 'inputs' | 'name'> : never;

/** Appends nodes with fresh ids and unique names; `add` returns the new id. */
export class GraphBuilder {
  private readonly nodes: LayerNode[] = [];
  private readonly names = new Map<string, number>();

  constructor(input: { height: number; width: number; channels: number }) {
    this.nodes.push({ op: 'input', ...input, id: 0, inputs: [], name: 'input' });
  }

  get input(): number {
    return 0;
  }

  add(name: string, op: Without<LayerOp>, inputs: number[]): number {
    for (const i of inputs) {
      if (!Number.isInteger(i) || i < 0 || i >= this.nodes.length) {
        throw new Error(`graph: node "${name}" reads unknown node ${i}`);
      }
    }
    const count = this.names.get(name) ?? 0;
    this.names.set(name, count + 1);
    const unique = count === 0 ? name : `${name}_${count}`;
    const id = this.nodes.length;
    this.nodes.push({ ...(op as LayerOp), id, inputs, name: unique } as LayerNode);
    return id;
  }

  finish(output: number): LayerGraph {
    return { nodes: [...this.nodes], output };
  }
}
