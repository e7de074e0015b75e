/**
 * Gradients of 2-D convolutions on the wasm backend, each expressed as one
 * XNNPACK convolution (or one matrix product for 1x1 filters) plus cheap
 * layout changes:
 *
 * - input gradient: a stride-1 convolution of dy, zero-inserted by the
 *   stride, with the spatially flipped filter; for 1x1 filters a matrix
 *   product, scattered to every stride-th position when strided;
 * - filter gradient: a convolution in which batch and channels swap roles:
 *   x as [C_in, H, W, N] is convolved with dy as [OH, OW, N, C_out], with the
 *   forward stride as dilation and the forward dilation as stride. For 1x1
 *   filters (the pointwise half of every separable convolution) the SIMD
 *   kernel simd/pointwise-filter-grad.wat computes x^T dy directly, about 3x
 *   faster than transposing x for XNNPACK's GEMM.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type Composer, compose } from './compose.ts';
import { type ConvGeometry, convGeometry, explicitPad } from './geometry.ts';
import { heapOffset, pointwiseFilterGradBySimd, runCopierFor } from './simd-kernels.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// Attribute bags arrive untyped from the engine.
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type AnyAttrs = any;

/**
 * dx = stride-1 convolution of the zero-inserted dy with `flipped` (the filter
 * reversed in both spatial axes, channels arranged for `kernel`).
 */
export function inputGradient(
  c: Composer,
  dy: Info,
  flipped: Info,
  g: ConvGeometry,
  kernel: 'Conv2D' | 'DepthwiseConv2dNative',
): Info {
  const spread = c.zeroInsert(dy, [g.strideH, g.strideW]);
  const spanH = (g.kH - 1) * g.dilationH;
  const spanW = (g.kW - 1) * g.dilationW;
  const top = spanH - g.padTop;
  const left = spanW - g.padLeft;
  if (top < 0 || left < 0) {
    throw new Error(
      `wasm conv gradient: padding (${g.padTop}, ${g.padLeft}) larger than the filter span (${spanH}, ${spanW}) is not supported`,
    );
  }
  const bottom = g.inH - spread.shape[1] - top + spanH;
  const right = g.inW - spread.shape[2] - left + spanW;
  const dx = c.run(
    kernel,
    { x: spread, filter: flipped },
    {
      strides: [1, 1],
      dilations: [g.dilationH, g.dilationW],
      pad: explicitPad(top, Math.max(bottom, 0), left, Math.max(right, 0)),
      dataFormat: 'NHWC',
    },
  );
  return c.cropEnd(dx, [g.batch, g.inH, g.inW, dx.shape[3]]);
}

/**
 * Padding after the last row/column for the filter-gradient convolution, and
 * how many surplus output rows/columns that forces (rows of x that the forward
 * pass never read would otherwise need negative padding).
 */
export function filterGradientTail(
  k: number,
  dilation: number,
  out: number,
  stride: number,
  inSize: number,
  padBefore: number,
): { after: number; surplus: number } {
  const after = (k - 1) * dilation + (out - 1) * stride + 1 - inSize - padBefore;
  if (after >= 0) return { after, surplus: 0 };
  const surplus = Math.ceil(-after / dilation);
  return { after: after + surplus * dilation, surplus };
}

function isPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;
}

function isStridedPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.dilationH === 1 && g.dilationW === 1 && g.padTop === 0 && g.padLeft === 0;
}

/** dy [rows, outC] times the 1x1 filter transposed, reshaped to `shape`. */
function pointwiseProduct(c: Composer, dy: Info, filter: Info, rows: number, g: ConvGeometry, shape: number[]): Info {
  const product = c.run(
    'BatchMatMul',
    {
      a: c.reshape(dy, [1, rows, g.outC]),
      b: c.reshape(filter, [1, g.inC, g.outC]),
    },
    { transposeA: false, transposeB: true },
  );
  return c.reshape(product, shape);
}

function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs;
  const a = attrs as AnyAttrs;
  const g = convGeometry(
    a.inputShape,
    filter.shape,
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    false,
    a.dataFormat,
  );
  return compose(backend as BackendWasm, (c) => {
    if (isPointwise(g))
      return pointwiseProduct(c, dy, filter, g.batch * g.inH * g.inW, g, [g.batch, g.inH, g.inW, g.inC]);
    const copyRuns = runCopierFor(c.backend);
    if (isStridedPointwise(g) && copyRuns != null && dy.dtype === 'float32') {
      // dy . W^T at the positions the strided 1x1 convolution read; zeros elsewhere.
      const dense = pointwiseProduct(c, dy, filter, g.batch * g.outH * g.outW, g, [g.batch, g.outH, g.outW, g.inC]);
      const dx = c.allocate([g.batch, g.inH, g.inW, g.inC]);
      (c.backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
      const [from, to, pixel] = [heapOffset(c.backend, dense), heapOffset(c.backend, dx), g.inC * 4];
      for (let b = 0; b < g.batch; b++) {
        for (let i = 0; i < g.outH; i++) {
          const source = from + (b * g.outH + i) * g.outW * pixel;
          const target = to + (b * g.inH + i * g.strideH) * g.inW * pixel;
          copyRuns(source, target, g.outW, pixel, pixel, g.strideW * pixel);
        }
      }
      return dx;
    }
    const flipped = c.transpose(c.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    return inputGradient(c, dy, flipped, g, 'Conv2D');
  });
}

function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs;
  const a = attrs as AnyAttrs;
  const g = convGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, false, a.dataFormat);
  const bySimd = x.dtype === 'float32' ? pointwiseFilterGradBySimd(backend as BackendWasm, g, x, dy) : null;
  if (bySimd != null) return bySimd;
  return compose(backend as BackendWasm, (c) => {
    if (isPointwise(g)) {
      const rows = g.batch * g.inH * g.inW;
      const product = c.run(
        'BatchMatMul',
        {
          a: c.reshape(x, [1, rows, g.inC]),
          b: c.reshape(dy, [1, rows, g.outC]),
        },
        { transposeA: true, transposeB: false },
      );
      return c.reshape(product, [1, 1, g.inC, g.outC]);
    }
    const rowsTail = filterGradientTail(g.kH, g.dilationH, g.outH, g.strideH, g.inH, g.padTop);
    const colsTail = filterGradientTail(g.kW, g.dilationW, g.outW, g.strideW, g.inW, g.padLeft);
    const images = c.transpose(x, [3, 1, 2, 0]);
    const filters = c.transpose(dy, [1, 2, 0, 3]);
    const dw = c.run(
      'Conv2D',
      { x: images, filter: filters },
      {
        strides: [g.dilationH, g.dilationW],
        dilations: [g.strideH, g.strideW],
        pad: explicitPad(g.padTop, rowsTail.after, g.padLeft, colsTail.after),
        dataFormat: 'NHWC',
      },
    );
    const cropped = c.cropEnd(dw, [g.inC, g.kH, g.kW, g.outC]);
    return c.transpose(cropped, [1, 2, 0, 3]);
  });
}

export const conv2dGradientKernels: tf.KernelConfig[] = [
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2dBackpropInput as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
];
