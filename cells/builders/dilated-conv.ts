/**
 * A dilated 2-D convolution that tfjs can train. tfjs has no gradient for
 * conv2d with dilation > 1, so this layer computes it as TensorFlow's atrous
 * convolution does: space-to-batch by the dilation rate, an undilated conv,
 * batch-to-space back. Same weights (kernel [kh, kw, cin, filters], bias) and
 * MACs as Conv2D.
 *
 * The two reshuffles are written as reshapes and rank-4 transposes rather than
 * tf.spaceToBatchND / tf.batchToSpaceND: the same values bit for bit, forward
 * and backward, but the wasm backend runs those ops as rank-6 transposes, which
 * took over 40% of a training step of a NASNet cell with two dil3 ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../graph.ts';

export interface DilatedConvArgs {
  filters: number;
  kernel: [number, number];
  dilation: number;
  padding: Padding;
  useBias: boolean;
  activation: string;
  name?: string;
}

export class DilatedConv2D extends tf.layers.Layer {
  static className = 'NasDilatedConv2D';
  private readonly args: DilatedConvArgs;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: DilatedConvArgs) {
    super({ name: args.name });
    this.args = args;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
    const [kh, kw] = this.args.kernel;
    this.kernel = this.addWeight(
      'kernel',
      [kh, kw, shape[3], this.args.filters],
      'float32',
      tf.initializers.glorotUniform({}),
    );
    if (this.args.useBias) this.bias = this.addWeight('bias', [this.args.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
    const [spanH, spanW] = dilatedSpans(this.args.kernel, this.args.dilation);
    const same = this.args.padding === 'same';
    return [
      shape[0],
      same ? shape[1] : shape[1] - spanH + 1,
      same ? shape[2] : shape[2] - spanW + 1,
      this.args.filters,
    ];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y = dilatedConv2d(x, this.kernel!.read() as tf.Tensor4D, this.args.dilation, this.args.padding);
      if (this.bias) y = tf.add(y, this.bias.read());
      return tf.layers.activation({ activation: this.args.activation as 'linear' }).apply(y) as tf.Tensor;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args } as unknown as tf.serialization.ConfigDict;
  }
}
tf.serialization.registerClass(DilatedConv2D);

/** Stride-1 convolution of `x` with `kernel` dilated by `dilation`, through space-to-batch. */
export function dilatedConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, dilation: number, padding: Padding): tf.Tensor4D {
  return tf.tidy(() => {
    const r = dilation;
    const [, height, width] = x.shape;
    const [spanH, spanW] = dilatedSpans(kernel.shape as [number, number, number, number], r);
    const [top, bottom] = padding === 'same' ? split(spanH - 1) : [0, 0];
    const [left, right] = padding === 'same' ? split(spanW - 1) : [0, 0];
    // Pad further so each spatial size divides by the rate; that excess is cropped at the end.
    const extraH = (r - ((height + top + bottom) % r)) % r;
    const extraW = (r - ((width + left + right) % r)) % r;
    const padded = tf.pad(x, [
      [0, 0],
      [top, bottom + extraH],
      [left, right + extraW],
      [0, 0],
    ]);
    const convolved = tf.conv2d(phasesOf(padded, r), kernel, 1, 'valid');
    const interleaved = interleavePhases(convolved, r);
    const [, outH, outW] = interleaved.shape;
    return extraH === 0 && extraW === 0
      ? interleaved
      : tf.slice(interleaved, [0, 0, 0, 0], [-1, outH - extraH, outW - extraW, -1]);
  });
}

/**
 * tf.spaceToBatchND(x, [r, r], no padding): the r x r phases of x stacked along the batch,
 * phase (i, j) = x[:, i::r, j::r, :] at batch offset (i * r + j) * batch. H and W divide by r.
 */
export function phasesOf(x: tf.Tensor4D, r: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const h = height / r;
  const w = width / r;
  const rowPhaseFirst = tf.transpose(tf.reshape(x, [batch * h, r, w, r * channels]), [1, 0, 2, 3]);
  const bothPhasesFirst = tf.transpose(tf.reshape(rowPhaseFirst, [r, batch * h * w, r, channels]), [0, 2, 1, 3]);
  return tf.reshape(bothPhasesFirst, [r * r * batch, h, w, channels]);
}

/** tf.batchToSpaceND(y, [r, r], no crops): the inverse of phasesOf. */
export function interleavePhases(y: tf.Tensor4D, r: number): tf.Tensor4D {
  const [phaseBatch, h, w, channels] = y.shape;
  const batch = phaseBatch / (r * r);
  const rowPhaseFirst = tf.transpose(tf.reshape(y, [r, r, batch * h * w, channels]), [0, 2, 1, 3]);
  const interleaved = tf.transpose(tf.reshape(rowPhaseFirst, [r, batch * h, w, r * channels]), [1, 0, 2, 3]);
  return tf.reshape(interleaved, [batch, h * r, w * r, channels]);
}

/** The receptive field of a kernel dilated by `r` along each axis. */
function dilatedSpans([kh, kw]: [number, number, ...number[]], r: number): [number, number] {
  return [(kh - 1) * r + 1, (kw - 1) * r + 1];
}

function split(total: number): [number, number] {
  const first = Math.floor(total / 2);
  return [first, total - first];
}
