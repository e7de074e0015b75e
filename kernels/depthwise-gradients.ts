/**
 * Gradients of depthwise convolutions on the wasm backend.
 *
 * With channel multiplier 1 (every depthwise layer the search spaces build)
 * the SIMD kernels (simd/depthwise.wat) compute both: the filter gradient
 * directly, 3-7x faster than any composition of XNNPACK kernels measured; the
 * input gradient at stride 1 as the forward kernel on dy with the reversed
 * filter, and at larger strides by scattering dy through the filter (composed,
 * it convolves a zero-inserted dy, 4x the work at stride 2). Otherwise, and if
 * the SIMD kernels are not available:
 * - input gradient: as for Conv2D, a depthwise stride-1 convolution of the
 *   zero-inserted dy with the flipped filter (channel multipliers summed after).
 * - filter gradient: every (channel, example) pair becomes one channel of a
 *   single image, x as [1, H, W, C*N]; a depthwise convolution with dy as the
 *   [OH, OW, C*N, M] filter (forward stride as dilation) gives per-example
 *   filter gradients, summed over the examples.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Composer, compose } from './compose.ts';
import { inputGradient, filterGradientTail } from './conv-gradients.ts';
import { type ConvGeometry, convGeometry, explicitPad } from './geometry.ts';
import { depthwiseBySimd } from './simd-kernels.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type AnyAttrs = any;

/**
 * dx of a stride-1 depthwise convolution: the forward kernel applied to dy
 * with the filter reversed in both spatial axes and the complementary padding.
 */
function unstridedInputGradient(backend: BackendWasm, dy: Info, filter: Info, g: ConvGeometry): Info | null {
  const padTop = (g.kH - 1) * g.dilationH - g.padTop;
  const padLeft = (g.kW - 1) * g.dilationW - g.padLeft;
  if (padTop < 0 || padLeft < 0) return depthwiseBySimd(backend, 'inputGradient', g, { dy, w: filter });
  const transposed: ConvGeometry = { ...g, inH: g.outH, inW: g.outW, outH: g.inH, outW: g.inW, padTop, padLeft };
  const c = new Composer(backend);
  try {
    return depthwiseBySimd(backend, 'forward', transposed, {
      x: dy,
      w: c.run('Reverse', { x: filter }, { dims: [0, 1] }),
    });
  } finally {
    c.abandon();
  }
}

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs;
  const a = attrs as AnyAttrs;
  const g = convGeometry(a.inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true, undefined);
  const multiplier = filter.shape[3];
  if (multiplier === 1 && dy.dtype === 'float32') {
    const wasm = backend as BackendWasm;
    const unstrided = g.strideH === 1 && g.strideW === 1;
    const dx = unstrided
      ? unstridedInputGradient(wasm, dy, filter, g)
      : depthwiseBySimd(wasm, 'inputGradient', g, { dy, w: filter });
    if (dx != null) return dx;
  }
  return compose(backend as BackendWasm, (c) => {
    const flipped = c.run('Reverse', { x: filter }, { dims: [0, 1] });
    if (multiplier === 1) return inputGradient(c, dy, flipped, g, 'DepthwiseConv2dNative');
    const perOutput = c.reshape(flipped, [g.kH, g.kW, g.inC * multiplier, 1]);
    const dxPerOutput = inputGradient(c, dy, perOutput, g, 'DepthwiseConv2dNative');
    const split = c.reshape(dxPerOutput, [g.batch, g.inH, g.inW, g.inC, multiplier]);
    return c.run('Sum', { x: split }, { axis: [4], keepDims: false });
  });
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs;
  const a = attrs as AnyAttrs;
  const g = convGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true, undefined);
  const multiplier = a.filterShape[3] as number;
  const { batch: n, inC } = g;
  if (multiplier === 1) {
    const dw = depthwiseBySimd(backend as BackendWasm, 'filterGradient', g, { x, dy });
    if (dw != null) return dw;
  }
  return compose(backend as BackendWasm, (c) => {
    const image = c.reshape(c.transpose(x, [1, 2, 3, 0]), [1, g.inH, g.inW, inC * n]);
    const dy5 = c.reshape(dy, [n, g.outH, g.outW, inC, multiplier]);
    const filters = c.reshape(c.transpose(dy5, [1, 2, 3, 0, 4]), [g.outH, g.outW, inC * n, multiplier]);
    const rowsTail = filterGradientTail(g.kH, g.dilationH, g.outH, g.strideH, g.inH, g.padTop);
    const colsTail = filterGradientTail(g.kW, g.dilationW, g.outW, g.strideW, g.inW, g.padLeft);
    const perExample = c.run(
      'DepthwiseConv2dNative',
      { x: image, filter: filters },
      {
        strides: [g.dilationH, g.dilationW],
        dilations: [g.strideH, g.strideW],
        pad: explicitPad(g.padTop, rowsTail.after, g.padLeft, colsTail.after),
      },
    );
    const cropped = c.cropEnd(perExample, [1, g.kH, g.kW, inC * n * multiplier]);
    if (multiplier === 1) {
      const byExample = c.reshape(cropped, [g.kH, g.kW, inC, n]);
      return c.run('Sum', { x: byExample }, { axis: [3], keepDims: true });
    }
    const byExample = c.reshape(cropped, [g.kH, g.kW, inC, n, multiplier]);
    return c.run('Sum', { x: byExample }, { axis: [3], keepDims: false });
  });
}

export const depthwiseGradientKernels: tf.KernelConfig[] = [
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropInput as tf.KernelFunc,
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropFilter as tf.KernelFunc,
  },
];
