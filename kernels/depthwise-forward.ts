/**
 * Depthwise convolutions with channel multiplier 1 on the SIMD kernel
 * (simd/depthwise.wat, depthwiseForward), which keeps every output's sums in
 * registers. The XNNPACK build in tfjs-backend-wasm runs depthwise filters of
 * 1x1, 2x2, 3x3 and 5x5 at about 3-4 GMAC/s and every other size through a
 * generic path at about 0.7 (on [32, 28, 28, 32]: 7x7 33.6 ms, 5x5 4.4 ms);
 * on NASNet-A's shapes (batch 32, 'same') the SIMD kernel took 0.8-1.05x
 * XNNPACK's time for 3x3, 0.3-0.5x for 5x5 and 0.07-0.10x for 7x7.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry } from './geometry.ts';
import { depthwiseBySimd } from './simd-kernels.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type AnyAttrs = any;

export function depthwiseForwardKernel(originalConfig: tf.KernelConfig): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function depthwise(args: KernelArgs): Info {
    const { x, filter } = args.inputs;
    const a = args.attrs as AnyAttrs;
    const g = convGeometry(x.shape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true, a.dataFormat);
    const bySimd = x.dtype === 'float32' && filter.shape[3] === 1;
    const out = bySimd ? depthwiseBySimd(args.backend as BackendWasm, 'forward', g, { x, w: filter }) : null;
    return out ?? (original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info);
  }
  return { ...originalConfig, kernelFunc: depthwise as tf.KernelFunc };
}
