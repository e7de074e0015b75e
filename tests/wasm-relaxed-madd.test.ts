/**
 * The SIMD kernels with relaxed SIMD's fused multiply-add (the default where the runtime has it)
 * and with the plain f32x4.mul + f32x4.add fallback give the same results within float tolerance,
 * on the ops that run them: depthwise convolutions and their gradients, 1x1 filter gradients,
 * batch-norm statistics and gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../engine/backend.ts';
import { fuseMultiplyAdds, relaxedMaddSupported } from '../kernels/relaxed-madd.ts';
import { compileSimdKernels, simdMultiplyAdd, type MultiplyAdd } from '../kernels/simd-kernels.ts';
import { mbconvCases, nasnetCases } from './support/conformance-graphs.ts';
import { runGraph, seededInputs, type GraphRun } from './support/conformance-run.ts';

describe('fuseMultiplyAdds', () => {
  it('fuses an add of a product, nested ones too, and leaves other adds and products alone', () => {
    expect(
      fuseMultiplyAdds(
        '(local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load offset=16 (local.get $x)) (local.get $y))))',
      ),
    ).toBe('(local.set $a (f32x4.relaxed_madd (v128.load offset=16 (local.get $x)) (local.get $y) (local.get $a)))');
    expect(
      fuseMultiplyAdds(
        '(f32x4.add (f32x4.add (local.get 0) (f32x4.mul (local.get 1) (local.get 2))) (f32x4.mul (local.get 3) (local.get 4)))',
      ),
    ).toBe(
      '(f32x4.relaxed_madd (local.get 3) (local.get 4) (f32x4.relaxed_madd (local.get 1) (local.get 2) (local.get 0)))',
    );
    for (const plain of [
      '(f32x4.add (local.get 0) (local.get 1))',
      '(f32x4.mul (local.get 0) (local.get 1))',
      '(i32.add (local.get 0) (i32.mul (local.get 1) (local.get 2)))',
    ]) {
      expect(fuseMultiplyAdds(plain)).toBe(plain);
    }
  });

  it('is available on Node 24 (V8 validates relaxed SIMD by default)', () => {
    expect(Number(process.versions.node.split('.')[0]) >= 24).toBe(relaxedMaddSupported());
  });
});

describe('relaxed and plain multiply-add kernels', () => {
  const backend = () => tf.backend() as BackendWasm;
  const cases = [...nasnetCases(), ...mbconvCases()].filter((c) => /sep_conv|conv_1x1|mbconv|inverted/.test(c.label));

  beforeAll(async () => {
    await selectBackend('wasm', { threads: 1, log: () => {} });
  });

  async function runWith(
    multiplyAdd: MultiplyAdd,
    graph: (typeof cases)[number]['graph'],
    inputs: ReturnType<typeof seededInputs>,
  ): Promise<GraphRun> {
    await tf.setBackend('wasm');
    await compileSimdKernels(backend(), { multiplyAdd });
    expect(simdMultiplyAdd(backend())).toBe(multiplyAdd);
    return runGraph(graph, inputs);
  }

  it.each(cases.map((c) => [c.label, c] as const))('%s', async (label, { graph }) => {
    await tf.setBackend('wasm');
    const inputs = seededInputs(graph, label);
    const plain = await runWith('plain', graph, inputs);
    const relaxed = await runWith('relaxed', graph, inputs);
    plain.outputs.forEach((expected, i) => {
      const actual = relaxed.outputs[i];
      const scale = Math.max(1, ...Array.from(expected.values, Math.abs));
      const difference = Math.max(0, ...Array.from(expected.values, (v, k) => Math.abs(v - actual.values[k])));
      expect(difference / scale, `${label}: ${expected.label}`).toBeLessThan(1e-5);
    });
  });
});
