/**
 * Identity, and Cast to the same dtype, as a second reference to the input's
 * data, as the cpu backend does. The wasm backend copies the tensor, and the
 * gradient tape calls Identity about 2,000 times in one NASNet-A step.
 * Kernels never write into their inputs, so sharing is safe.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };

function alias(x: Info, backend: BackendWasm): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function aliasingKernel(originalConfig: tf.KernelConfig, sameType: (args: KernelArgs) => boolean): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function kernel(args: KernelArgs): Info {
    if (args.inputs.x.dtype === 'string' || !sameType(args))
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    return alias(args.inputs.x, args.backend as BackendWasm);
  }
  return { ...originalConfig, kernelFunc: kernel as tf.KernelFunc };
}

export const identityKernel = (original: tf.KernelConfig) => aliasingKernel(original, () => true);
export const castKernel = (original: tf.KernelConfig) =>
  aliasingKernel(original, (args) => args.attrs?.dtype === args.inputs.x.dtype);
