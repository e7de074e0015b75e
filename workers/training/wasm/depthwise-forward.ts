/**
 * Depthwise convolutions whose filter size XNNPACK has no fast kernel for.
 *
 * The XNNPACK build in tfjs-backend-wasm runs depthwise filters of 1x1, 2x2,
 * 3x3 and 5x5 at about 4 GMAC/s and every other size through a generic path
 * at about 0.7 (on [32, 28, 28, 32]: 7x7 33.6 ms, 5x5 4.4 ms). Those, with
 * channel multiplier 1, go to the SIMD kernel (simd/depthwise.wat), about 2.8x
 * faster on NASNet's 7x7 separable convolutions.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ConvGeometry, convGeometry } from './geometry';
import { depthwiseBySimd } from './simd-kernels';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAttrs = any;

/** Whether XNNPACK runs this depthwise filter size on its fast path. */
export function xnnpackDepthwiseIsFast(g: ConvGeometry): boolean {
  return g.kH === g.kW && [1, 2, 3, 5].includes(g.kH);
}

export function depthwiseForwardKernel(originalConfig: tf.KernelConfig): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function depthwise(args: KernelArgs): Info {
    const { x, filter } = args.inputs;
    const a = args.attrs as AnyAttrs;
    const g = convGeometry(x.shape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true, a.dataFormat);
    const bySimd = x.dtype === 'float32' && filter.shape[3] === 1 && !xnnpackDepthwiseIsFast(g);
    const out = bySimd ? depthwiseBySimd(args.backend as BackendWasm, 'forward', g, { x, w: filter }) : null;
    return out ?? (original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info);
  }
  return { ...originalConfig, kernelFunc: depthwise as tf.KernelFunc };
}
