/**
 * BatchMatMul with transposed operands. The wasm backend's BatchMatMul runs
 * XNNPACK only when neither operand is transposed; with transposeA or
 * transposeB it falls back to a scalar loop about 30x slower (measured
 * 0.4-0.6 vs 14.5 GMAC/s on 512x512), and every dense layer's gradient asks
 * for one. Transposing the operand explicitly first is far cheaper.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { compose } from './compose.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * Wraps the backend's own BatchMatMul kernel; keeps its setup function, which
 * binds the C++ entry point when the backend initialises.
 */
export function batchMatMulKernel(originalConfig: tf.KernelConfig): tf.KernelConfig {
  const original = originalConfig.kernelFunc;
  function batchMatMul(args: KernelArgs): Info {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    return compose(backend as BackendWasm, (c) => {
      const a = transposeA ? c.transpose(inputs.a, swapLastTwo(inputs.a.shape.length)) : inputs.a;
      const b = transposeB ? c.transpose(inputs.b, swapLastTwo(inputs.b.shape.length)) : inputs.b;
      return c.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    });
  }
  return { ...originalConfig, kernelFunc: batchMatMul as tf.KernelFunc };
}
