/**
 * A dilated 2-D convolution that tfjs can train. tfjs has no gradient for
 * conv2d with dilation > 1, so this layer computes it as TensorFlow's atrous
 * convolution does: space-to-batch by the dilation rate, an undilated conv,
 * batch-to-space back. Both reshuffles have gradients on every backend.
 * Same weights (kernel [kh, kw, cin, filters], bias) and MACs as Conv2D.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../graph';

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
    const [spanH, spanW] = this.spans();
    const same = this.args.padding === 'same';
    return [
      shape[0],
      same ? shape[1] : shape[1] - spanH + 1,
      same ? shape[2] : shape[2] - spanW + 1,
      this.args.filters,
    ];
  }

  /** The receptive field of the dilated kernel along each axis. */
  private spans(): [number, number] {
    const r = this.args.dilation;
    return [(this.args.kernel[0] - 1) * r + 1, (this.args.kernel[1] - 1) * r + 1];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const r = this.args.dilation;
      const [, height, width] = x.shape;
      const [spanH, spanW] = this.spans();
      const [top, bottom] = this.args.padding === 'same' ? split(spanH - 1) : [0, 0];
      const [left, right] = this.args.padding === 'same' ? split(spanW - 1) : [0, 0];
      // Pad further so each spatial size divides by the rate; that excess is cropped at the end.
      const extraH = (r - ((height + top + bottom) % r)) % r;
      const extraW = (r - ((width + left + right) % r)) % r;
      const padded = tf.pad(x, [
        [0, 0],
        [top, bottom + extraH],
        [left, right + extraW],
        [0, 0],
      ]);
      const phases = tf.spaceToBatchND(
        padded,
        [r, r],
        [
          [0, 0],
          [0, 0],
        ],
      );
      const convolved = tf.conv2d(phases as tf.Tensor4D, this.kernel!.read() as tf.Tensor4D, 1, 'valid');
      let y = tf.batchToSpaceND(
        convolved,
        [r, r],
        [
          [0, extraH],
          [0, extraW],
        ],
      );
      if (this.bias) y = tf.add(y, this.bias.read());
      return tf.layers.activation({ activation: this.args.activation as 'linear' }).apply(y) as tf.Tensor;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args } as unknown as tf.serialization.ConfigDict;
  }
}
tf.serialization.registerClass(DilatedConv2D);

function split(total: number): [number, number] {
  const first = Math.floor(total / 2);
  return [first, total - first];
}
