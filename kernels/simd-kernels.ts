/**
 * Hand-written WebAssembly SIMD kernels that work on tensors in place in the
 * tfjs wasm heap.
 *
 * The kernels are WebAssembly text (simd/*.wat) assembled by wabt when the
 * wasm backend is selected, and instantiated against the backend's own
 * memory (exported by the single-threaded build, shared by the threaded
 * one), so they read and write tensors where tfjs keeps them: no copies.
 * They run on the calling thread only.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { ConvGeometry } from './geometry.ts';
import { fuseMultiplyAdds, relaxedMaddSupported } from './relaxed-madd.ts';

const require = createRequire(import.meta.url);

// The part of the WebAssembly JS API used here (the project's lib settings do not declare it).
interface WasmMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
};
type WasmModule = { readonly kind?: 'wasm module' };

const SOURCES = [
  'depthwise.wat',
  'pointwise-filter-grad.wat',
  'max-pool-grad.wat',
  'batch-norm-moments.wat',
  'batch-norm-grad.wat',
  'relu-grad.wat',
  'copy-runs.wat',
  'optimizer-updates.wat',
];
/** Kernels whose every product and sum must round on its own (tfjs's results to the bit): never fused. */
const UNFUSED_SOURCES = new Set(['optimizer-updates.wat']);
const PLAIN_MEMORY_IMPORT = '(import "env" "memory" (memory 1))';
const SHARED_MEMORY_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';

/** Which tensor a depthwise pass computes: y (forward), dx (input gradient) or dw (filter gradient). */
export type DepthwiseMode = 'forward' | 'inputGradient' | 'filterGradient';

interface SimdExports {
  depthwiseForward(x: number, y: number, w: number, ...shape: number[]): void;
  depthwiseInputGrad(dx: number, dy: number, w: number, ...shape: number[]): void;
  depthwiseFilterGrad(x: number, dy: number, dw: number, ...shape: number[]): void;
  maxPoolGrad(x: number, dy: number, dx: number, ...shape: number[]): void;
  pointwiseFilterGrad(x: number, dy: number, dw: number, ...shape: number[]): void;
  copyRuns: RunCopier;
  batchNormGradSums(dy: number, x: number, mean: number, sums: number, rows: number, channels: number): void;
  batchNormGradApply(dy: number, x: number, coefficients: number, dx: number, rows: number, channels: number): void;
  batchNormMoments(x: number, mean: number, variance: number, rows: number, channels: number): void;
  reluGrad(dy: number, x: number, dx: number, count: number): void;
  adamUpdate(table: number, entries: number, ...coefficients: number[]): void;
  momentumUpdate(table: number, entries: number, momentum: number, negLr: number, withState: number): void;
  rmspropUpdate(table: number, entries: number, ...coefficients: number[]): void;
}

/** The optimizer steps of simd/optimizer-updates.wat, each over a table of variables (see there). */
export type OptimizerUpdates = Pick<SimdExports, 'adamUpdate' | 'momentumUpdate' | 'rmspropUpdate'>;

/** Copies `count` runs of `runBytes` within the heap, source runs `srcStep` and destination runs `dstStep` bytes apart. */
export type RunCopier = (
  src: number,
  dst: number,
  count: number,
  runBytes: number,
  srcStep: number,
  dstStep: number,
) => void;

interface Wabt {
  parseWat(
    filename: string,
    text: string,
    features: object,
  ): { toBinary(options: object): { buffer: Uint8Array }; destroy(): void };
}

const instances = new WeakMap<BackendWasm, { exports: SimdExports; multiplyAdd: MultiplyAdd }>();

/** How the kernels multiply and accumulate: relaxed SIMD's fused f32x4.relaxed_madd, or f32x4.mul then f32x4.add. */
export type MultiplyAdd = 'relaxed' | 'plain';

/**
 * Assembles the kernels for this backend's memory (plain, or shared in the
 * threaded build) and binds them to it; until then the functions below
 * return null for it. Once per backend and multiply-add form, by default
 * 'relaxed' where the runtime validates relaxed SIMD (relaxed-madd.ts).
 */
export async function compileSimdKernels(
  backend: BackendWasm,
  options: { multiplyAdd?: MultiplyAdd } = {},
): Promise<void> {
  const memory = memoryOf(backend);
  const multiplyAdd = options.multiplyAdd ?? (relaxedMaddSupported() ? 'relaxed' : 'plain');
  if (instances.get(backend)?.multiplyAdd === multiplyAdd || memory == null) return;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const wabt = await (require('wabt') as () => Promise<Wabt>)();
  const exports = SOURCES.map((name) => {
    let source = fs.readFileSync(new URL(`./simd/${name}`, import.meta.url), 'utf8');
    if (!source.includes(PLAIN_MEMORY_IMPORT))
      throw new Error(`simd/${name} must import its memory as ${PLAIN_MEMORY_IMPORT}`);
    if (shared) source = source.replace(PLAIN_MEMORY_IMPORT, SHARED_MEMORY_IMPORT);
    const fused = multiplyAdd === 'relaxed' && !UNFUSED_SOURCES.has(name);
    if (fused) source = fuseMultiplyAdds(source);
    const parsed = wabt.parseWat(name, source, { simd: true, threads: true, bulk_memory: true, relaxed_simd: fused });
    try {
      return new WebAssembly.Instance(new WebAssembly.Module(parsed.toBinary({}).buffer), { env: { memory } }).exports;
    } finally {
      parsed.destroy();
    }
  });
  instances.set(backend, { exports: Object.assign({}, ...exports) as SimdExports, multiplyAdd });
}

/** The multiply-add form of this backend's kernels, or null before they are assembled. */
export function simdMultiplyAdd(backend: BackendWasm): MultiplyAdd | null {
  return instances.get(backend)?.multiplyAdd ?? null;
}

function memoryOf(backend: BackendWasm): WasmMemory | undefined {
  const module = backend.wasm as unknown as { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory };
  return module.asm?.memory ?? module.wasmMemory;
}

function kernelsFor(backend: BackendWasm): SimdExports | null {
  return instances.get(backend)?.exports ?? null;
}

/** The optimizer steps bound to this backend's memory; null when the kernels are not available. */
export function optimizerUpdatesFor(backend: BackendWasm): OptimizerUpdates | null {
  return kernelsFor(backend);
}

/** Byte address of a tensor's data in the wasm heap, as the kernels take it. */
export const heapOffset = (backend: BackendWasm, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;

/**
 * One depthwise convolution pass (channel multiplier 1) by the SIMD kernels
 * of simd/depthwise.wat: the forward output from x and w, dx from dy and w
 * (any stride; see depthwise-gradients.ts for the faster stride-1 route), or
 * dw from x and dy. Null when the kernels are not available.
 */
export function depthwiseBySimd(
  backend: BackendWasm,
  mode: DepthwiseMode,
  g: ConvGeometry,
  operands: { x?: tf.TensorInfo; dy?: tf.TensorInfo; w?: tf.TensorInfo },
): tf.TensorInfo | null {
  const kernels = kernelsFor(backend);
  if (kernels == null) return null;
  const shapes: Record<DepthwiseMode, number[]> = {
    forward: [g.batch, g.outH, g.outW, g.inC],
    inputGradient: [g.batch, g.inH, g.inW, g.inC],
    filterGradient: [g.kH, g.kW, g.inC, 1],
  };
  const out = backend.makeOutput(shapes[mode], 'float32');
  // The forward kernel writes every output once; the gradients accumulate.
  if (mode !== 'forward') (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const offset = (t: tf.TensorInfo | undefined) => heapOffset(backend, t!);
  const x = offset(mode === 'inputGradient' ? out : operands.x);
  const y = offset(mode === 'forward' ? out : operands.dy);
  const w = offset(mode === 'filterGradient' ? out : operands.w);
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const shape = [batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft];
  const kernel = {
    forward: kernels.depthwiseForward,
    inputGradient: kernels.depthwiseInputGrad,
    filterGradient: kernels.depthwiseFilterGrad,
  }[mode];
  kernel(x, y, w, ...shape);
  return out;
}

/** The gradient of a max pooling (`info` as tfjs computes it) by the SIMD kernel; null when unavailable. */
export function maxPoolGradBySimd(
  backend: BackendWasm,
  info: tf.backend_util.Conv2DInfo,
  dy: tf.TensorInfo,
  input: tf.TensorInfo,
): tf.TensorInfo | null {
  const kernels = kernelsFor(backend);
  if (kernels == null) return null;
  const out = backend.makeOutput(input.shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  kernels.maxPoolGrad(
    heapOffset(backend, input),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}

/**
 * The filter gradient of a 1x1 convolution without padding by the SIMD
 * kernel; null when unavailable or when the channels are not multiples of 4
 * (input) and 8 (output).
 */
export function pointwiseFilterGradBySimd(
  backend: BackendWasm,
  g: ConvGeometry,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
): tf.TensorInfo | null {
  const fits = g.kH === 1 && g.kW === 1 && g.padTop === 0 && g.padLeft === 0 && g.inC % 4 === 0 && g.outC % 8 === 0;
  const kernels = fits ? kernelsFor(backend) : null;
  if (kernels == null) return null;
  const out = backend.makeOutput([1, 1, g.inC, g.outC], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  kernels.pointwiseFilterGrad(
    heapOffset(backend, x),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    g.batch,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.outC,
    g.strideH,
    g.strideW,
  );
  return out;
}

/** The heap copier bound to this backend; null when the kernels are not available. */
export function runCopierFor(backend: BackendWasm): RunCopier | null {
  return kernelsFor(backend)?.copyRuns ?? null;
}

/**
 * The gradient of batch normalisation over every axis but the last, given the
 * batch mean and variance: [dx, dgamma, dbeta] in two passes over x and dy.
 * Null when the kernels are not available.
 */
export function batchNormGradBySimd(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  mean: tf.TensorInfo,
  variance: tf.TensorInfo,
  gamma: tf.TensorInfo,
  epsilon: number,
): tf.TensorInfo[] | null {
  const kernels = kernelsFor(backend);
  if (kernels == null) return null;
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, b) => a * b, 1) / channels;
  const sums = backend.makeOutput([2, channels], 'float32');
  const coefficients = backend.makeOutput([4, channels], 'float32');
  const [dx, dgamma, dbeta] = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput([channels], 'float32'),
    backend.makeOutput([channels], 'float32'),
  ];
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  view(sums).fill(0);
  kernels.batchNormGradSums(
    heapOffset(backend, dy),
    heapOffset(backend, x),
    heapOffset(backend, mean),
    heapOffset(backend, sums),
    rows,
    channels,
  );
  const [s, m, v, g, k, dg, db] = [
    view(sums),
    view(mean),
    view(variance),
    view(gamma),
    view(coefficients),
    view(dgamma),
    view(dbeta),
  ];
  for (let c = 0; c < channels; c++) {
    const invStd = 1 / Math.sqrt(v[c] + epsilon);
    const gain = g[c] * invStd;
    db[c] = s[c];
    dg[c] = s[channels + c] * invStd;
    k[c] = gain; // dx = gain * dy + b * (x - mean) + d
    k[channels + c] = (-gain * invStd * invStd * s[channels + c]) / rows;
    k[2 * channels + c] = (-gain * s[c]) / rows;
    k[3 * channels + c] = m[c];
  }
  kernels.batchNormGradApply(
    heapOffset(backend, dy),
    heapOffset(backend, x),
    heapOffset(backend, coefficients),
    heapOffset(backend, dx),
    rows,
    channels,
  );
  backend.disposeData(sums.dataId);
  backend.disposeData(coefficients.dataId);
  return [dx, dgamma, dbeta];
}

/** Per-channel [mean, variance] of x over every axis but the last; null when the kernels are not available. */
export function batchNormMomentsBySimd(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo[] | null {
  const kernels = kernelsFor(backend);
  if (kernels == null) return null;
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, b) => a * b, 1) / channels;
  const [mean, variance] = [backend.makeOutput([channels], 'float32'), backend.makeOutput([channels], 'float32')];
  (backend.typedArrayFromHeap(mean) as Float32Array).fill(0);
  (backend.typedArrayFromHeap(variance) as Float32Array).fill(0);
  kernels.batchNormMoments(
    heapOffset(backend, x),
    heapOffset(backend, mean),
    heapOffset(backend, variance),
    rows,
    channels,
  );
  return [mean, variance];
}

/** dy * step(x), the gradient of ReLU, in one pass; null when the kernels are not available. */
export function reluGradBySimd(backend: BackendWasm, dy: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo | null {
  const kernels = kernelsFor(backend);
  if (kernels == null) return null;
  const dx = backend.makeOutput(x.shape, 'float32');
  kernels.reluGrad(
    heapOffset(backend, dy),
    heapOffset(backend, x),
    heapOffset(backend, dx),
    x.shape.reduce((a, b) => a * b, 1),
  );
  return dx;
}
