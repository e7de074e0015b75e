/**
 * Installs the wasm kernels of this folder: the composed convolution
 * gradients (Conv2DBackpropInput replaces the backend's scalar one), a
 * JavaScript MaxPoolGrad, and a BatchMatMul that transposes explicitly.
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGradientKernels } from './conv-gradients';
import { depthwiseGradientKernels } from './depthwise-gradients';
import { batchMatMulKernel } from './matmul';
import { poolGradientKernels } from './pool-gradients';

const STANDALONE: readonly tf.KernelConfig[] = [...conv2dGradientKernels, ...depthwiseGradientKernels, ...poolGradientKernels];
/** Kernel names whose wasm implementation this module provides. */
export const WASM_KERNEL_NAMES: readonly string[] = [...STANDALONE.map((k) => k.kernelName), 'BatchMatMul'];

const ours = new WeakSet<tf.KernelFunc>();

function install(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, 'wasm') != null) tf.unregisterKernel(config.kernelName, 'wasm');
  ours.add(config.kernelFunc);
  tf.registerKernel(config);
}

export function registerWasmGradientKernels(): void {
  for (const config of STANDALONE) {
    if (!ours.has(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc as tf.KernelFunc)) install(config);
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (matMul == null) throw new Error("the wasm backend has no 'BatchMatMul' kernel to wrap");
  if (!ours.has(matMul.kernelFunc)) install(batchMatMulKernel(matMul));
}

/** Whether this module's kernels are the ones the wasm backend will run. */
export function wasmGradientKernelsRegistered(): boolean {
  return WASM_KERNEL_NAMES.every((name) => ours.has(tf.getKernel(name, 'wasm')?.kernelFunc as tf.KernelFunc));
}
