/**
 * Kernels that only the SIMD kernels (simd-kernels.ts) can run, registered
 * once those are assembled: the batch-norm layer's statistics and one-kernel
 * gradient (cells/builders/batch-norm.ts asks for them by name and composes
 * tf ops on backends without them), a one-pass ReLU gradient, and the
 * optimizer steps over all variables at once (optimizer-updates.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_MOMENTS_KERNEL } from '../contracts/kernel-names.ts';
import { OPTIMIZER_UPDATE_KERNEL_CONFIGS } from './optimizer-updates.ts';
import { batchNormGradBySimd, batchNormMomentsBySimd, reluGradBySimd } from './simd-kernels.ts';

type SimdKernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

const RELU_GRAD_KERNEL = 'NasReluGrad';

function simdOnly<T>(name: string, outputs: T | null): T {
  if (outputs == null) throw new Error(`${name} needs the wasm SIMD kernels; call compileSimdKernels first`);
  return outputs;
}

const SIMD_ONLY: tf.KernelConfig[] = [
  {
    kernelName: BATCH_NORM_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: (({ inputs: { dy, x, mean, variance, gamma }, backend, attrs }: SimdKernelArgs) =>
      simdOnly(
        BATCH_NORM_GRAD_KERNEL,
        batchNormGradBySimd(backend as BackendWasm, dy, x, mean, variance, gamma, attrs!.epsilon as number),
      )) as unknown as tf.KernelFunc,
  },
  {
    kernelName: RELU_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: (({ inputs: { dy, x }, backend }: SimdKernelArgs) =>
      simdOnly(RELU_GRAD_KERNEL, reluGradBySimd(backend as BackendWasm, dy, x))) as unknown as tf.KernelFunc,
  },
  {
    kernelName: BATCH_NORM_MOMENTS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (({ inputs: { x }, backend }: SimdKernelArgs) =>
      simdOnly(
        BATCH_NORM_MOMENTS_KERNEL,
        batchNormMomentsBySimd(backend as BackendWasm, x),
      )) as unknown as tf.KernelFunc,
  },
  ...OPTIMIZER_UPDATE_KERNEL_CONFIGS,
];

/**
 * tfjs's gradient of Relu (dy * step(x), two passes), asking the backend for
 * a one-pass NasReluGrad kernel when it has one. Registering a gradient
 * replaces tfjs's for every backend; the others keep the same expression.
 */
const reluGradient: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const grad = dy as tf.Tensor;
    if (tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) == null)
      return { x: () => tf.mul(grad, tf.cast(tf.step(x), 'float32')) };
    return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: grad, x }) as tf.Tensor };
  },
};

/** Registers the kernels above for wasm and the ReLU gradient. Idempotent. */
export function registerSimdOnlyKernels(): void {
  for (const config of SIMD_ONLY) {
    if (tf.getKernel(config.kernelName, 'wasm') == null) tf.registerKernel(config);
  }
  if (tf.getGradient('Relu')?.gradFunc !== reluGradient.gradFunc) tf.registerGradient(reluGradient);
}
