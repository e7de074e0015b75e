/**
 * FusedBatchNorm on the wasm backend as a 1x1 depthwise convolution with a
 * bias: y = x * scale / sqrt(variance + epsilon) + (offset - mean * that)
 * is a per-channel affine map, and XNNPACK's depthwise kernel applies one at
 * the speed of a ReLU. The backend's own kernel is a scalar loop about 4.7x
 * slower (measured on [32, 28, 28, 16]). Parameters that are not one value
 * per channel go to the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { compose } from './compose.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info | undefined>; backend: unknown; attrs?: tf.NamedAttrMap };

function perChannel(x: Info, params: Array<Info | undefined>): boolean {
  const channels = x.shape[x.shape.length - 1];
  return (
    x.dtype === 'float32' &&
    x.shape.length >= 1 &&
    params.every((p) => p == null || (p.dtype === 'float32' && tf.util.sizeFromShape(p.shape) === channels))
  );
}

function batchNormAsDepthwise(args: KernelArgs): Info {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, Info>;
  const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const channels = x.shape[x.shape.length - 1];
  return compose(args.backend as BackendWasm, (c) => {
    const read = (t: Info | undefined) => (t == null ? undefined : (c.backend.typedArrayFromHeap(t) as Float32Array));
    const [meanValues, varianceValues, offsetValues, scaleValues] = [mean, variance, offset, scale].map(read);
    const filter = c.allocate([1, 1, channels, 1]);
    const bias = c.allocate([channels]);
    const gain = c.backend.typedArrayFromHeap(filter) as Float32Array;
    const shift = c.backend.typedArrayFromHeap(bias) as Float32Array;
    for (let k = 0; k < channels; k++) {
      gain[k] = (scaleValues?.[k] ?? 1) / Math.sqrt(varianceValues![k] + epsilon);
      shift[k] = (offsetValues?.[k] ?? 0) - meanValues![k] * gain[k];
    }
    const image = c.reshape(x, [1, tf.util.sizeFromShape(x.shape) / channels, 1, channels]);
    const y = c.run(
      'FusedDepthwiseConv2D',
      { x: image, filter, bias },
      {
        strides: [1, 1],
        pad: 'valid',
        dilations: [1, 1],
        dataFormat: 'NHWC',
        activation: 'linear',
      },
    );
    return c.reshape(y, x.shape);
  });
}

export function batchNormKernel(originalConfig: tf.KernelConfig): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function batchNorm(args: KernelArgs): Info {
    const { x, mean, variance, offset, scale } = args.inputs;
    if (x == null || mean == null || variance == null || !perChannel(x, [mean, variance, offset, scale])) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    return batchNormAsDepthwise(args);
  }
  return { ...originalConfig, kernelFunc: batchNorm as tf.KernelFunc };
}
