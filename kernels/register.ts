/**
 * Installs the wasm kernels of this folder: the convolution and depthwise
 * gradients (Conv2DBackpropInput replaces the backend's scalar one), pooling
 * gradients, depthwise convolutions, a BatchMatMul that transposes
 * explicitly, heap-copying Slice, SplitV, Tile and Concat, Sum and Mean over
 * leading axes as one average pooling, Identity and same-type Cast without a
 * copy, FusedBatchNorm as a 1x1 depthwise convolution, and the forward
 * convolutions with 'same' padding made explicit (explicit-same-padding.ts).
 * Where the SIMD kernels (simd-kernels.ts) are assembled these use them;
 * otherwise they compose XNNPACK kernels. Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { castKernel, identityKernel } from './alias-kernels.ts';
import { batchNormKernel } from './batch-norm-kernel.ts';
import { conv2dGradientKernels } from './conv-gradients.ts';
import { depthwiseForwardKernel } from './depthwise-forward.ts';
import { depthwiseGradientKernels } from './depthwise-gradients.ts';
import { explicitSamePaddingKernel } from './explicit-same-padding.ts';
import { concatKernel, sliceKernel, splitVKernel, tileKernel } from './layout-kernels.ts';
import { batchMatMulKernel } from './matmul.ts';
import { poolGradientKernels } from './pool-gradients.ts';
import { meanKernel, sumKernel } from './reduce-kernels.ts';

const STANDALONE: readonly tf.KernelConfig[] = [
  ...conv2dGradientKernels,
  ...depthwiseGradientKernels,
  ...poolGradientKernels,
];
/** Kernels that wrap the backend's own (keeping its setup, or falling back to it for strings). */
const WRAPPERS: ReadonlyArray<[string, (original: tf.KernelConfig) => tf.KernelConfig]> = [
  ['BatchMatMul', batchMatMulKernel],
  ['Slice', sliceKernel],
  ['SplitV', splitVKernel],
  ['Tile', tileKernel],
  ['Concat', concatKernel],
  ['Sum', sumKernel],
  ['Mean', meanKernel],
  ['Identity', identityKernel],
  ['Cast', castKernel],
  ['FusedBatchNorm', batchNormKernel],
  ['DepthwiseConv2dNative', (original) => depthwiseForwardKernel(explicitSamePaddingKernel(original, true))],
  ['Conv2D', (original) => explicitSamePaddingKernel(original, false)],
  ['FusedConv2D', (original) => explicitSamePaddingKernel(original, false)],
  ['FusedDepthwiseConv2D', (original) => explicitSamePaddingKernel(original, true)],
];
/** Kernel names whose wasm implementation this module provides. */
export const WASM_KERNEL_NAMES: readonly string[] = [
  ...STANDALONE.map((k) => k.kernelName),
  ...WRAPPERS.map(([name]) => name),
];

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
  for (const [name, wrap] of WRAPPERS) {
    const original = tf.getKernel(name, 'wasm');
    if (original == null) throw new Error(`the wasm backend has no '${name}' kernel to wrap`);
    if (!ours.has(original.kernelFunc)) install(wrap(original));
  }
}

/** Whether this module's kernels are the ones the wasm backend will run. */
export function wasmGradientKernelsRegistered(): boolean {
  return WASM_KERNEL_NAMES.every((name) => ours.has(tf.getKernel(name, 'wasm')?.kernelFunc as tf.KernelFunc));
}
