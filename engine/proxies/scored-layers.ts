/**
 * The parts of a tfjs model the zero-cost proxies read, chosen as the zero-cost-proxies reference
 * code (Abdelfattah et al. 2021) chooses them in PyTorch: the kernels of convolutions (depthwise
 * ones included: PyTorch's grouped Conv2d) and dense layers, not biases or batch-norm parameters;
 * the ReLU units (Mellor et al. 2021 hook every ReLU module); the batch-norm layers.
 */
import type * as tf from '@tensorflow/tfjs';
import { isBatchNormalization } from '../../cells/builders/batch-norm.ts';
import { DilatedConv2D } from '../../cells/builders/dilated-conv.ts';

const KERNEL_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense', DilatedConv2D.className]);

/** The kernel variables of the model's convolution and dense layers, in layer order. */
export function scoredKernels(model: tf.LayersModel): tf.Variable[] {
  return model.layers.flatMap((layer) => {
    if (!KERNEL_LAYERS.has(layer.getClassName())) {
      if (layer.weights.length > 0 && !isBatchNormalization(layer))
        throw new Error(`scoredKernels: layer ${layer.name} (${layer.getClassName()}) has weights but no proxy rule`);
      return [];
    }
    const kernel = layer.weights.find((w) => /kernel/.test(w.originalName));
    if (!kernel) throw new Error(`scoredKernels: layer ${layer.name} (${layer.getClassName()}) has no kernel`);
    return [kernel.read() as tf.Variable];
  });
}

/** Layers whose output is a ReLU's (an Activation layer or a fused activation): output > 0 exactly where the ReLU's input is. */
export function reluLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => ['relu', 'relu6'].includes(String(layer.getConfig().activation)));
}

/**
 * Runs `fn` with every batch-norm layer of the model passing its input through unchanged, as the
 * reference code's `bn=False` copy replaces each BatchNorm's forward by a no-op.
 */
export function withBatchNormBypassed<T>(model: tf.LayersModel, fn: () => T): T {
  const bypassed = model.layers.filter(isBatchNormalization);
  const own = bypassed.map((layer) => Object.getOwnPropertyDescriptor(layer, 'call'));
  for (const layer of bypassed) {
    // A clone, not the input itself: tfjs-layers may dispose a layer's output while its input is still read.
    layer.call = (inputs) => (Array.isArray(inputs) ? inputs[0] : inputs).clone();
  }
  try {
    return fn();
  } finally {
    bypassed.forEach((layer, i) => {
      const descriptor = own[i];
      if (descriptor) Object.defineProperty(layer, 'call', descriptor);
      else delete (layer as { call?: unknown }).call;
    });
  }
}
