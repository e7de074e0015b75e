/**
 * ONNX from the layer graph (the one the cost model and the tfjs builder read) and a network's
 * trained weights, encoded by onnx-proto (protobufjs classes generated from ONNX's onnx.proto).
 *
 * Layout: the model takes NHWC images like the tfjs model (input `input`, [batch, H, W, C]),
 * transposes them once to NCHW, and computes in NCHW with standard ONNX ops (opset 13), weights
 * transposed to ONNX's layouts: conv kernels [kh, kw, cin, cout] -> [cout, cin, kh, kw],
 * depthwise kernels as grouped convs (group = channels), dense kernels as Gemm's [in, out].
 * A flatten goes back to NHWC first, so that a dense layer after it sees tfjs' element order.
 * 'same' padding is written as the explicit pads tfjs uses (the odd pixel at the bottom/right);
 * average pooling excludes padding from its count, as tfjs does. Output `probabilities`.
 */
import { createRequire } from 'node:module';
import { inferShapes, liveNodes, type Shape } from '../cost.ts';
import type { ActivationFn, LayerGraph, LayerNode, Padding } from '../graph.ts';

type OnnxModule = typeof import('onnx-proto');
type Onnx = OnnxModule['onnx'];
// onnx-proto is a CommonJS protobufjs module whose exports Node's ESM loader cannot list.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as OnnxModule;

export const ONNX_OPSET = 13;
/** IR version 7 goes with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'probabilities';

/** One weight array in tfjs' layout (kernel [kh, kw, cin, cout], depthwise [kh, kw, cin, multiplier], dense [in, out]). */
export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/** What a node with weights holds; batch norm also its epsilon. */
export interface NodeWeights {
  kernel?: WeightArray;
  bias?: WeightArray;
  gamma?: WeightArray;
  beta?: WeightArray;
  movingMean?: WeightArray;
  movingVariance?: WeightArray;
  epsilon?: number;
}

export interface OnnxExportOptions {
  /** Graph name, e.g. the architecture hash. */
  name: string;
  /** Free text stored as the model's doc_string (the genotype, the protocol...). */
  docString?: string;
  producerVersion?: string;
  /** metadata_props of the model. */
  metadata?: Record<string, string>;
}

export class OnnxExportError extends Error {
  constructor(node: LayerNode, problem: string) {
    super(`onnx export: node "${node.name}" (${node.op}): ${problem}`);
    this.name = 'OnnxExportError';
  }
}

/** A value of the ONNX graph: NCHW ('spatial', rank 4) or [batch, features] ('flat'). */
interface Value {
  name: string;
  kind: 'spatial' | 'flat';
}

type AttributeValue = number | number[] | string;
type Attributes = Record<string, AttributeValue>;

/** Encodes the graph's live nodes as an ONNX ModelProto. */
export function graphToOnnx(
  graph: LayerGraph,
  weightsOf: (node: LayerNode) => NodeWeights,
  options: OnnxExportOptions,
): Uint8Array {
  const writer = new Writer(graph, weightsOf);
  const graphProto = writer.build(options.name);
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET })],
    producerName: 'nas-orchestrator',
    producerVersion: options.producerVersion ?? '',
    docString: options.docString ?? '',
    graph: graphProto,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
      onnx.StringStringEntryProto.create({ key, value }),
    ),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Explicit [before, after] padding of one axis, as tfjs computes 'same' (TensorFlow's rule). */
export function samePadding(input: number, kernel: number, strides: number, dilation = 1): [number, number] {
  const span = (kernel - 1) * dilation + 1;
  const output = Math.ceil(input / strides);
  const total = Math.max((output - 1) * strides + span - input, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

class Writer {
  private readonly shapes: Shape[];
  private readonly nodes: InstanceType<Onnx['NodeProto']>[] = [];
  private readonly initializers: InstanceType<Onnx['TensorProto']>[] = [];
  private readonly values: Value[] = [];
  private readonly usedNames = new Set<string>();

  private readonly graph: LayerGraph;
  private readonly weightsOf: (node: LayerNode) => NodeWeights;
  constructor(graph: LayerGraph, weightsOf: (node: LayerNode) => NodeWeights) {
    this.graph = graph;
    this.weightsOf = weightsOf;
    this.shapes = inferShapes(graph);
  }

  build(name: string): InstanceType<Onnx['GraphProto']> {
    const live = liveNodes(this.graph);
    for (const node of this.graph.nodes) {
      if (live[node.id]) this.values[node.id] = this.convert(node);
    }
    const last = this.values[this.graph.output];
    const outputShape = this.shapes[this.graph.output];
    const nhwc =
      last.kind === 'spatial' ? this.op('Transpose', [last.name], { perm: [0, 2, 3, 1] }, 'output_nhwc') : last.name;
    this.nodes.push(
      onnx.NodeProto.create({ opType: 'Identity', input: [nhwc], output: [ONNX_OUTPUT], name: 'output' }),
    );
    const input = this.graph.nodes[0] as Extract<LayerNode, { op: 'input' }>;
    return onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: [valueInfo(ONNX_INPUT, [input.height, input.width, input.channels])],
      output: [valueInfo(ONNX_OUTPUT, outputShape)],
    });
  }

  /** A fresh value name derived from `base`. */
  private fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let k = 1; this.usedNames.has(name); k++) name = `${clean}_${k}`;
    this.usedNames.add(name);
    return name;
  }

  /** Appends an ONNX node with one output; returns the output's name. */
  private op(opType: string, inputs: string[], attributes: Attributes, outputName: string): string {
    const output = this.fresh(outputName);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [output],
        name: output,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return output;
  }

  private floatInitializer(name: string, dims: number[], values: Float32Array): string {
    const unique = this.fresh(name);
    this.initializers.push(
      onnx.TensorProto.create({
        name: unique,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
      }),
    );
    return unique;
  }

  private int64Initializer(name: string, values: number[]): string {
    const unique = this.fresh(name);
    this.initializers.push(
      onnx.TensorProto.create({
        name: unique,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: values,
      }),
    );
    return unique;
  }

  private convert(node: LayerNode): Value {
    const inputs = node.inputs.map((i) => this.values[i]);
    const inShape = node.inputs.length > 0 ? this.shapes[node.inputs[0]] : [];
    const spatial = (name: string): Value => ({ name, kind: 'spatial' });
    const flat = (name: string): Value => ({ name, kind: 'flat' });
    const needSpatial = () => {
      if (inputs.some((v) => v.kind !== 'spatial'))
        throw new OnnxExportError(node, 'needs [height, width, channels] inputs');
    };
    const base = node.name;
    switch (node.op) {
      case 'input':
        return spatial(this.op('Transpose', [ONNX_INPUT], { perm: [0, 3, 1, 2] }, 'input_nchw'));
      case 'conv2d':
      case 'depthwiseConv2d': {
        needSpatial();
        const w = this.weightsOf(node);
        if (!w.kernel) throw new OnnxExportError(node, 'has no kernel weights');
        const [kh, kw] = node.kernel;
        const cin = inShape[2];
        let kernel: string;
        let group = 1;
        if (node.op === 'conv2d') {
          expectShape(node, 'kernel', w.kernel, [kh, kw, cin, node.filters]);
          kernel = this.floatInitializer(
            `${base}/kernel`,
            [node.filters, cin, kh, kw],
            transpose(w.kernel, [3, 2, 0, 1]),
          );
        } else {
          const multiplier = w.kernel.shape[3];
          expectShape(node, 'kernel', w.kernel, [kh, kw, cin, multiplier]);
          // Output channel c * multiplier + m of tfjs is group c's m-th output in ONNX.
          kernel = this.floatInitializer(
            `${base}/kernel`,
            [cin * multiplier, 1, kh, kw],
            transpose(w.kernel, [2, 3, 0, 1]),
          );
          group = cin;
        }
        const outChannels = this.shapes[node.id][2];
        const convInputs = [inputs[0].name, kernel];
        if (node.useBias) {
          if (!w.bias) throw new OnnxExportError(node, 'uses a bias but has no bias weights');
          expectShape(node, 'bias', w.bias, [outChannels]);
          convInputs.push(this.floatInitializer(`${base}/bias`, [outChannels], w.bias.values));
        }
        const [top, bottom] = this.padding(node.padding, inShape[0], kh, node.strides, node.dilation);
        const [left, right] = this.padding(node.padding, inShape[1], kw, node.strides, node.dilation);
        const y = this.op(
          'Conv',
          convInputs,
          {
            kernel_shape: [kh, kw],
            strides: [node.strides, node.strides],
            dilations: [node.dilation, node.dilation],
            pads: [top, left, bottom, right],
            group,
          },
          base,
        );
        return spatial(this.activation(node, y, node.activation));
      }
      case 'dense': {
        if (inputs[0].kind !== 'flat')
          throw new OnnxExportError(node, 'is exported only after flatten or global pooling (a [features] input)');
        const w = this.weightsOf(node);
        const units = inShape[0];
        if (!w.kernel) throw new OnnxExportError(node, 'has no kernel weights');
        expectShape(node, 'kernel', w.kernel, [units, node.units]);
        const gemmInputs = [
          inputs[0].name,
          this.floatInitializer(`${base}/kernel`, [units, node.units], w.kernel.values),
        ];
        if (node.useBias) {
          if (!w.bias) throw new OnnxExportError(node, 'uses a bias but has no bias weights');
          expectShape(node, 'bias', w.bias, [node.units]);
          gemmInputs.push(this.floatInitializer(`${base}/bias`, [node.units], w.bias.values));
        }
        const y = this.op(node.useBias ? 'Gemm' : 'MatMul', gemmInputs, {}, base);
        return flat(this.activation(node, y, node.activation));
      }
      case 'batchNorm': {
        const w = this.weightsOf(node);
        const channels = inShape[inShape.length - 1];
        const parts = (['gamma', 'beta', 'movingMean', 'movingVariance'] as const).map((key) => {
          const array = w[key];
          if (!array) throw new OnnxExportError(node, `has no ${key} weights`);
          expectShape(node, key, array, [channels]);
          return this.floatInitializer(`${base}/${key}`, [channels], array.values);
        });
        if (w.epsilon === undefined) throw new OnnxExportError(node, 'has no epsilon');
        const y = this.op('BatchNormalization', [inputs[0].name, ...parts], { epsilon: w.epsilon }, base);
        return { name: y, kind: inputs[0].kind };
      }
      case 'activation':
        return { name: this.activation(node, inputs[0].name, node.fn), kind: inputs[0].kind };
      case 'maxPool':
      case 'avgPool': {
        needSpatial();
        const [top, bottom] = this.padding(node.padding, inShape[0], node.pool, node.strides, 1);
        const [left, right] = this.padding(node.padding, inShape[1], node.pool, node.strides, 1);
        const attributes: Attributes = {
          kernel_shape: [node.pool, node.pool],
          strides: [node.strides, node.strides],
          pads: [top, left, bottom, right],
        };
        if (node.op === 'avgPool') attributes.count_include_pad = 0;
        return spatial(this.op(node.op === 'maxPool' ? 'MaxPool' : 'AveragePool', [inputs[0].name], attributes, base));
      }
      case 'globalAvgPool': {
        needSpatial();
        const pooled = this.op('GlobalAveragePool', [inputs[0].name], {}, base);
        return node.keepDims ? spatial(pooled) : flat(this.op('Flatten', [pooled], { axis: 1 }, `${base}/flatten`));
      }
      case 'flatten': {
        if (inputs[0].kind === 'flat') return inputs[0];
        const nhwc = this.op('Transpose', [inputs[0].name], { perm: [0, 2, 3, 1] }, `${base}/nhwc`);
        return flat(this.op('Flatten', [nhwc], { axis: 1 }, base));
      }
      case 'dropout':
        return inputs[0];
      case 'add':
        this.sameKind(node, inputs);
        return {
          name: this.op(
            inputs.length === 2 ? 'Add' : 'Sum',
            inputs.map((v) => v.name),
            {},
            base,
          ),
          kind: inputs[0].kind,
        };
      case 'multiply': {
        this.sameKind(node, inputs);
        let y = inputs[0].name;
        for (const [k, v] of inputs.slice(1).entries())
          y = this.op('Mul', [y, v.name], {}, k === inputs.length - 2 ? base : `${base}/part`);
        return { name: y, kind: inputs[0].kind };
      }
      case 'concat':
        needSpatial();
        return spatial(
          this.op(
            'Concat',
            inputs.map((v) => v.name),
            { axis: 1 },
            base,
          ),
        );
      case 'zeroPad': {
        needSpatial();
        const [top, bottom, left, right] = node.pad;
        const pads = this.int64Initializer(`${base}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
        return spatial(this.op('Pad', [inputs[0].name, pads], { mode: 'constant' }, base));
      }
      case 'crop': {
        needSpatial();
        const [top, bottom, left, right] = node.crop;
        const [h, w] = inShape;
        const starts = this.int64Initializer(`${base}/starts`, [top, left]);
        const ends = this.int64Initializer(`${base}/ends`, [h - bottom, w - right]);
        const axes = this.int64Initializer(`${base}/axes`, [2, 3]);
        return spatial(this.op('Slice', [inputs[0].name, starts, ends, axes], {}, base));
      }
      case 'resize': {
        needSpatial();
        // sizes = [batch, channels] of the input, then the target height and width.
        const shape = this.op('Shape', [inputs[0].name], {}, `${base}/shape`);
        const batchChannels = this.op(
          'Slice',
          [shape, this.int64Initializer(`${base}/start`, [0]), this.int64Initializer(`${base}/end`, [2])],
          {},
          `${base}/batch_channels`,
        );
        const sizes = this.op(
          'Concat',
          [batchChannels, this.int64Initializer(`${base}/hw`, [node.height, node.width])],
          { axis: 0 },
          `${base}/sizes`,
        );
        // tfjs resizeBilinear without align corners or half-pixel centres: source = target * in / out.
        return spatial(
          this.op(
            'Resize',
            [inputs[0].name, '', '', sizes],
            { mode: 'linear', coordinate_transformation_mode: 'asymmetric' },
            base,
          ),
        );
      }
      default:
        throw new OnnxExportError(node as LayerNode, 'has no ONNX mapping');
    }
  }

  private sameKind(node: LayerNode, inputs: Value[]): void {
    if (inputs.some((v) => v.kind !== inputs[0].kind))
      throw new OnnxExportError(node, 'mixes [h, w, c] and [features] inputs');
  }

  private padding(
    padding: Padding,
    input: number,
    kernel: number,
    strides: number,
    dilation: number,
  ): [number, number] {
    return padding === 'same' ? samePadding(input, kernel, strides, dilation) : [0, 0];
  }

  /** `x` through the activation; softmax over channels (axis 1 in NCHW and in [batch, features]). */
  private activation(node: LayerNode, x: string, fn: ActivationFn): string {
    const name = `${node.name}/${fn}`;
    switch (fn) {
      case 'linear':
        return x;
      case 'relu':
        return this.op('Relu', [x], {}, name);
      case 'relu6': {
        const min = this.floatInitializer(`${name}/min`, [], new Float32Array([0]));
        const max = this.floatInitializer(`${name}/max`, [], new Float32Array([6]));
        return this.op('Clip', [x, min, max], {}, name);
      }
      case 'silu':
        return this.op('Mul', [x, this.op('Sigmoid', [x], {}, `${name}/sigmoid`)], {}, name);
      case 'sigmoid':
        return this.op('Sigmoid', [x], {}, name);
      case 'tanh':
        return this.op('Tanh', [x], {}, name);
      case 'softmax':
        return this.op('Softmax', [x], { axis: 1 }, name);
    }
  }
}

function expectShape(node: LayerNode, what: string, array: WeightArray, shape: number[]): void {
  const same = array.shape.length === shape.length && array.shape.every((d, i) => d === shape[i]);
  if (!same) throw new OnnxExportError(node, `${what} has shape [${array.shape}], the graph needs [${shape}]`);
  if (array.values.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new OnnxExportError(node, `${what} has ${array.values.length} values for shape [${shape}]`);
  }
}

/** The values of `array` with its axes permuted: output axis i is input axis perm[i]. */
export function transpose(array: WeightArray, perm: number[]): Float32Array {
  const { shape, values } = array;
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let i = 0; i < rank; i++) source += index[i] * strides[i];
    out[o] = values[source];
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** A float tensor's value info; the batch axis is symbolic, the rest in tfjs' order (NHWC or [features]). */
function valueInfo(name: string, shape: Shape) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: [
            onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' }),
            ...shape.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })),
          ],
        }),
      }),
    }),
  });
}

function attribute(name: string, value: AttributeValue) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  if (Number.isInteger(value) && name !== 'epsilon')
    return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value });
}
