import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DilatedConv2D, interleavePhases, phasesOf } from '../cells/builders/dilated-conv.ts';
import { selectBackend } from '../engine/backend.ts';

/** The dilated kernel written out densely: zeros between the taps. */
function zeroStuffed(kernel: tf.Tensor4D, rate: number): tf.Tensor4D {
  const [kh, kw, cin, cout] = kernel.shape;
  const spanH = (kh - 1) * rate + 1;
  const spanW = (kw - 1) * rate + 1;
  const values = kernel.arraySync();
  const dense = Array.from({ length: spanH }, (_, i) =>
    Array.from({ length: spanW }, (_, j) =>
      i % rate === 0 && j % rate === 0
        ? values[i / rate][j / rate]
        : Array.from({ length: cin }, () => new Array(cout).fill(0)),
    ),
  );
  return tf.tensor4d(dense as number[][][][]);
}

function maxRelativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-6, tf.max(tf.abs(b)).dataSync()[0]));
}

describe('DilatedConv2D (space-to-batch atrous convolution)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases: Array<{ kernel: [number, number]; rate: number; padding: 'same' | 'valid'; size: [number, number] }> = [
    { kernel: [3, 3], rate: 2, padding: 'same', size: [9, 9] },
    { kernel: [3, 3], rate: 2, padding: 'same', size: [8, 7] },
    { kernel: [3, 3], rate: 3, padding: 'valid', size: [11, 10] },
    { kernel: [1, 3], rate: 2, padding: 'same', size: [5, 6] },
  ];

  for (const { kernel, rate, padding, size } of cases) {
    it(`matches a dense zero-stuffed conv in value and gradients: ${kernel.join('x')} rate ${rate} ${padding} on ${size.join('x')}`, () => {
      const layer = new DilatedConv2D({
        filters: 3,
        kernel,
        dilation: rate,
        padding,
        useBias: true,
        activation: 'linear',
      });
      const x = tf.randomNormal([2, size[0], size[1], 2], 0, 1, 'float32', 7) as tf.Tensor4D;
      layer.apply(x);
      const [w, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
      const dense = zeroStuffed(w, rate);
      const reference = (input: tf.Tensor4D, k: tf.Tensor4D) => tf.add(tf.conv2d(input, k, 1, padding), bias);

      expect(maxRelativeError(layer.apply(x) as tf.Tensor, reference(x, dense))).toBeLessThan(1e-5);

      const probe = tf.randomNormal((layer.apply(x) as tf.Tensor).shape, 0, 1, 'float32', 8);
      const ours = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, probe)))(x);
      const theirs = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(reference(input as tf.Tensor4D, dense), probe)))(x);
      expect(maxRelativeError(ours, theirs)).toBeLessThan(1e-5);

      const denseGrad = tf.grad((k: tf.Tensor) => tf.sum(tf.mul(reference(x, k as tf.Tensor4D), probe)))(dense);
      const tapsOfDense = tf.stridedSlice(denseGrad, [0, 0, 0, 0], denseGrad.shape, [rate, rate, 1, 1]);
      expect(maxRelativeError(trainableKernelGrad(layer, x, probe), tapsOfDense)).toBeLessThan(1e-5);
    });
  }
});

/** The gradient tfjs computes for the layer's own kernel variable, as an optimizer would see it. */
function trainableKernelGrad(layer: DilatedConv2D, x: tf.Tensor, probe: tf.Tensor): tf.Tensor {
  const kernel = layer.trainableWeights[0].read() as tf.Variable;
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar, [kernel]);
  return grads[kernel.name];
}

describe('phasesOf and interleavePhases (the reshuffles of the atrous convolution)', () => {
  const shapes: Array<{ shape: [number, number, number, number]; rate: number }> = [
    { shape: [3, 8, 6, 5], rate: 2 },
    { shape: [2, 9, 12, 4], rate: 3 },
  ];

  for (const backend of ['cpu', 'wasm']) {
    for (const { shape, rate } of shapes) {
      it(`equal tf.spaceToBatchND and tf.batchToSpaceND bit for bit, values and gradients, on ${backend}: ${shape.join('x')} rate ${rate}`, async () => {
        if (backend === 'wasm') await selectBackend('wasm', { threads: 1, log: () => {} });
        else await tf.setBackend('cpu');
        const noPadding: [number, number][] = [
          [0, 0],
          [0, 0],
        ];
        const x = tf.randomNormal(shape, 0, 1, 'float32', 11) as tf.Tensor4D;
        const theirs = (t: tf.Tensor) => tf.spaceToBatchND(t, [rate, rate], noPadding) as tf.Tensor4D;
        const phases = phasesOf(x, rate);
        expect(phases.dataSync()).toEqual(theirs(x).dataSync());
        expect(interleavePhases(phases, rate).dataSync()).toEqual(x.dataSync());
        expect(interleavePhases(phases, rate).dataSync()).toEqual(
          tf.batchToSpaceND(phases, [rate, rate], noPadding).dataSync(),
        );

        const probe = tf.randomNormal(phases.shape, 0, 1, 'float32', 12);
        const gradOf = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), probe)))(x);
        expect(gradOf((t) => phasesOf(t as tf.Tensor4D, rate)).dataSync()).toEqual(gradOf(theirs).dataSync());
      });
    }
  }
});
