/**
 * One wasm kernel call per optimizer step over every variable of a model
 * (simd/optimizer-updates.wat), computing tfjs's optimizer arithmetic to the
 * bit (engine/fused-optimizers.ts computes the scalars as tfjs does).
 *
 * Inputs, for variable i: g{i} (gradient), w{i} (weights), and the rule's
 * states s{i}_0, s{i}_1; attributes: `variables` (the count) and
 * `coefficients` (the rule's float32 scalars in the kernel's order).
 * Outputs, per variable in order: the new weights, then each new state.
 * Weights always go to a fresh buffer: XNNPACK caches convolution and matmul
 * operators with their weights packed, keyed by the weight tensor's id, so
 * weights written in place would go unseen by the next forward pass. A state
 * is updated in place (the output is its own buffer) unless another tensor
 * shares its buffer.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, optimizerUpdatesFor, type OptimizerUpdates } from './simd-kernels.ts';

export const OPTIMIZER_UPDATE_KERNELS = {
  adam: 'NasAdamUpdate',
  momentum: 'NasMomentumUpdate',
  sgd: 'NasSgdUpdate',
  rmsprop: 'NasRmspropUpdate',
} as const;
export type UpdateRule = keyof typeof OPTIMIZER_UPDATE_KERNELS;

/** States per variable, and the kernel call given its table. */
const RULES: Record<
  UpdateRule,
  { states: number; run: (k: OptimizerUpdates, t: number, n: number, c: number[]) => void }
> = {
  adam: { states: 2, run: (k, t, n, c) => k.adamUpdate(t, n, ...c) },
  momentum: { states: 1, run: (k, t, n, [momentum, negLr]) => k.momentumUpdate(t, n, momentum, negLr, 1) },
  sgd: { states: 0, run: (k, t, n, [negLr]) => k.momentumUpdate(t, n, 0, negLr, 0) },
  rmsprop: { states: 2, run: (k, t, n, c) => k.rmspropUpdate(t, n, ...c) },
};
const COEFFICIENTS: Record<UpdateRule, number> = { adam: 8, momentum: 2, sgd: 1, rmsprop: 5 };
const TABLE_INTS = 8;

/** Each backend's table of variable records, kept from step to step and grown when a model has more variables. */
const tables = new WeakMap<BackendWasm, { address: number; entries: number }>();

interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(address: number): void;
  HEAPU8: Uint8Array;
}

function tableFor(backend: BackendWasm, entries: number): number {
  const heap = backend.wasm as unknown as EmscriptenHeap;
  const table = tables.get(backend);
  if (table && table.entries >= entries) return table.address;
  if (table) heap._free(table.address);
  const grown = { address: heap._malloc(entries * TABLE_INTS * 4), entries };
  tables.set(backend, grown);
  return grown.address;
}

function updateKernel(rule: UpdateRule): tf.KernelConfig {
  const kernelName = OPTIMIZER_UPDATE_KERNELS[rule];
  const { states, run } = RULES[rule];
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, tf.TensorInfo>;
    backend: unknown;
    attrs: tf.NamedAttrMap;
  }) => {
    const wasm = backend as BackendWasm;
    const kernels = optimizerUpdatesFor(wasm);
    if (kernels == null) throw new Error(`${kernelName} needs the wasm SIMD kernels; call compileSimdKernels first`);
    const count = attrs.variables as number;
    const coefficients = attrs.coefficients as number[];
    if (coefficients.length !== COEFFICIENTS[rule])
      throw new Error(`${kernelName}: expected ${COEFFICIENTS[rule]} coefficients, got ${coefficients.length}`);
    const outputs: tf.TensorInfo[] = [];
    const records = new Int32Array(count * TABLE_INTS);
    for (let i = 0; i < count; i++) {
      const [g, w] = [inputs[`g${i}`], inputs[`w${i}`]];
      const size = tf.util.sizeFromShape(w.shape);
      if (g.dtype !== 'float32' || w.dtype !== 'float32' || tf.util.sizeFromShape(g.shape) !== size)
        throw new Error(
          `${kernelName}: variable ${i} has weights [${w.shape}] ${w.dtype}, gradient [${g.shape}] ${g.dtype}`,
        );
      const newWeights = wasm.makeOutput(w.shape, 'float32');
      outputs.push(newWeights);
      const record = [size, heapOffset(wasm, g), heapOffset(wasm, w), heapOffset(wasm, newWeights), 0, 0, 0, 0];
      for (let s = 0; s < states; s++) {
        const state = inputs[`s${i}_${s}`];
        if (state.dtype !== 'float32' || tf.util.sizeFromShape(state.shape) !== size)
          throw new Error(
            `${kernelName}: state ${s} of variable ${i} is [${state.shape}] ${state.dtype}, weights [${w.shape}]`,
          );
        const newState =
          wasm.refCount(state.dataId) === 1 ? sameBuffer(wasm, state) : wasm.makeOutput(state.shape, 'float32');
        outputs.push(newState);
        record[4 + 2 * s] = heapOffset(wasm, state);
        record[5 + 2 * s] = heapOffset(wasm, newState);
      }
      records.set(record, i * TABLE_INTS);
    }
    // After every allocation above: one of them may have grown (and so replaced) the heap's buffer.
    const table = tableFor(wasm, count);
    const heap = (wasm.wasm as unknown as EmscriptenHeap).HEAPU8;
    new Int32Array(heap.buffer, table, count * TABLE_INTS).set(records);
    run(kernels, table, count, coefficients);
    return outputs;
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

function sameBuffer(backend: BackendWasm, t: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(t.dataId);
  return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
}

export const OPTIMIZER_UPDATE_KERNEL_CONFIGS: readonly tf.KernelConfig[] = (
  Object.keys(OPTIMIZER_UPDATE_KERNELS) as UpdateRule[]
).map(updateKernel);

/** Whether the current backend runs `rule`'s step as one kernel: wasm with the SIMD kernels assembled. */
export function optimizerUpdateAvailable(rule: UpdateRule): boolean {
  const backendName = tf.getBackend();
  return (
    tf.getKernel(OPTIMIZER_UPDATE_KERNELS[rule], backendName) != null &&
    optimizerUpdatesFor(tf.backend() as BackendWasm) != null
  );
}
