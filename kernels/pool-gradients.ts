/**
 * MaxPoolGrad for the wasm backend: the SIMD kernel (simd/max-pool-grad.wat),
 * or, when it is not available, the same loops in JavaScript over the wasm
 * heap. The backend's own C++ kernel rescans every window for every input
 * pixel and was the slowest kernel of LeNet-5 training (about 30 ms a batch).
 *
 * Semantics follow the cpu backend: each window sends its dy to the first
 * position (row-major) holding its maximum; windows of only -Infinity/NaN
 * send nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { compose } from './compose.ts';
import { inputGradient } from './conv-gradients.ts';
import { geometryOf } from './geometry.ts';
import { maxPoolGradBySimd } from './simd-kernels.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type AnyAttrs = any;

/** The pooling window of a forward MaxPool/AvgPool, from the gradient kernel's attributes. */
function poolInfo(input: Info, a: AnyAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
}

function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs;
  const a = attrs as AnyAttrs;
  const info = poolInfo(input, a);
  const bySimd = maxPoolGradBySimd(wasm, info, dy, input);
  if (bySimd != null) return bySimd;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const out = wasm.makeOutput(input.shape, 'float32');
  // Views are taken after the allocation above, so heap growth cannot detach them.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);

  // Channels innermost, as they lie in memory: every window keeps a running maximum and its
  // position per channel.
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const hStart = oh * strideHeight - padTop;
      const khFirst = Math.max(0, Math.ceil(-hStart / dilationHeight));
      const khEnd = Math.min(filterHeight, Math.ceil((inHeight - hStart) / dilationHeight));
      for (let ow = 0; ow < outWidth; ow++) {
        const wStart = ow * strideWidth - padLeft;
        const kwFirst = Math.max(0, Math.ceil(-wStart / dilationWidth));
        const kwEnd = Math.min(filterWidth, Math.ceil((inWidth - wStart) / dilationWidth));
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = khFirst; kh < khEnd; kh++) {
          const rowBase = (b * inHeight + hStart + kh * dilationHeight) * inWidth;
          for (let kw = kwFirst; kw < kwEnd; kw++) {
            const base = (rowBase + wStart + kw * dilationWidth) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          if (where[c] >= 0) dx[where[c]] += g[dyBase + c];
        }
      }
    }
  }
  return out;
}

/**
 * AvgPoolGrad as the transposed depthwise convolution of dy with a constant
 * filter 1 / (window size), the cpu backend's definition (it does not
 * rescale windows cut by 'same' padding). The backend's C++ kernel is a
 * scalar loop.
 */
function avgPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, input } = inputs;
  const a = attrs as AnyAttrs;
  const info = poolInfo(input, a);
  const geometry = geometryOf(info);
  return compose(backend as BackendWasm, (c) => {
    const weight = 1 / (info.filterHeight * info.filterWidth);
    const filter = c.run(
      'Fill',
      {},
      { shape: [info.filterHeight, info.filterWidth, info.inChannels, 1], value: weight, dtype: 'float32' },
    );
    return inputGradient(c, dy, filter, geometry, 'DepthwiseConv2dNative');
  });
}

export const poolGradientKernels: tf.KernelConfig[] = [
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: 'AvgPoolGrad', backendName: 'wasm', kernelFunc: avgPoolGrad as tf.KernelFunc },
];
