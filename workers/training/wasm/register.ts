/**
 * Registers the composed gradient kernels for the wasm backend, replacing the
 * backend's own scalar Conv2DBackpropInput. Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGradientKernels } from './conv-gradients';
import { depthwiseGradientKernels } from './depthwise-gradients';

export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [...conv2dGradientKernels, ...depthwiseGradientKernels];

export function registerWasmGradientKernels(): void {
  for (const config of WASM_GRADIENT_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}

/** Whether the composed kernels are the ones the wasm backend will run. */
export function wasmGradientKernelsRegistered(): boolean {
  return WASM_GRADIENT_KERNELS.every((k) => tf.getKernel(k.kernelName, 'wasm')?.kernelFunc === k.kernelFunc);
}
