import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerWasmGradientKernels, selectBackend } from '../engine/backend.ts';

const require = createRequire(import.meta.url);

function smallConvNet(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 2],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return model;
}

async function trainLosses(steps: number): Promise<number[]> {
  const model = smallConvNet();
  const x = tf.randomNormal([8, 12, 12, 2], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    return losses;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

describe('wasm training of a conv net', () => {
  it('fails without the gradient kernels and matches the cpu backend with them', async () => {
    setWasmPaths(
      path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep,
    );
    await tf.setBackend('wasm');
    await expect(trainLosses(1)).rejects.toThrow(
      /Kernel '(Conv2DBackpropFilter|DepthwiseConv2dNativeBackprop\w+)' not registered for backend 'wasm'/,
    );

    registerWasmGradientKernels();
    registerWasmGradientKernels(); // idempotent
    const chosen = await selectBackend('wasm', { log: () => {} });
    expect(chosen.backend).toBe('wasm');
    const wasmLosses = await trainLosses(5);

    await selectBackend('cpu', { log: () => {} });
    const cpuLosses = await trainLosses(5);

    expect(wasmLosses[4]).toBeLessThan(wasmLosses[0]);
    for (let i = 0; i < 5; i++) expect(wasmLosses[i]).toBeCloseTo(cpuLosses[i], 4);
  });
});
