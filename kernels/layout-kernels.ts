/**
 * Slice, SplitV, Tile and Concat for the wasm backend, copying directly
 * between views of the wasm heap (runs along inner axes by the wasm copier of
 * simd/copy-runs.wat). The backend's Slice first copies its whole input out
 * of the heap (readSync) and SplitV, the gradient of every concatenation,
 * calls it once per output; its Tile is an element-by-element C++ loop, and
 * tfjs's batch norm gradient tiles a per-channel vector to the full
 * activation shape; its Concat makes a subarray per run.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type RunCopier, heapOffset, runCopierFor } from './simd-kernels.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs?: tf.NamedAttrMap };
type Heap = Float32Array | Int32Array | Uint8Array;

const SHORT_RUN = 32;

function copyRun(src: Heap, from: number, dst: Heap, to: number, length: number): void {
  if (length < SHORT_RUN) {
    for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + length), to);
  }
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  return strides;
}

/**
 * Copies the box `begin`..`begin + size` of `src` (shape `shape`) into `dst`,
 * row-major. With `copyRuns` (views of the wasm heap only), the runs along the
 * innermost cut axis are copied in wasm, one call per index of the axes
 * before it; otherwise run by run in JavaScript.
 */
export function sliceInto(
  src: Heap,
  shape: number[],
  begin: number[],
  size: number[],
  dst: Heap,
  copyRuns?: RunCopier | null,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  // Axes after `k` are copied whole, so each index of the axes before it is one contiguous run.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const strides = stridesOf(shape);
  const run = size[k] * strides[k];
  // Axes before `inner` are walked here; axis `inner` (the last before k) is walked by copyRuns.
  const inner = copyRuns != null && k > 0 ? k - 1 : k;
  let rows = 1;
  for (let a = 0; a < inner; a++) rows *= size[a];
  const index = new Array<number>(inner).fill(0);
  const bytes = src.BYTES_PER_ELEMENT;
  let to = 0;
  for (let r = 0; r < rows; r++) {
    let from = begin[k] * strides[k];
    for (let a = 0; a < inner; a++) from += (begin[a] + index[a]) * strides[a];
    if (inner < k) {
      from += begin[inner] * strides[inner];
      copyRuns!(
        src.byteOffset + from * bytes,
        dst.byteOffset + to * bytes,
        size[inner],
        run * bytes,
        strides[inner] * bytes,
        run * bytes,
      );
      to += size[inner] * run;
    } else {
      copyRun(src, from, dst, to, run);
      to += run;
    }
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a] < size[a]) break;
      index[a] = 0;
    }
  }
}

/**
 * Tiles `src` (shape `shape`) `reps` times into `dst`: copies the input once
 * into its place, then, from the innermost axis outwards, replicates each
 * completed block along that axis.
 */
export function tileInto(src: Heap, shape: number[], reps: number[], dst: Heap): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const outShape = shape.map((s, a) => s * reps[a]);
  const outStrides = stridesOf(outShape);
  const inStrides = stridesOf(shape);
  // forEachPrefix(k, f): calls f(offsetIn, offsetOut) for every index of axes < k within the input's extent.
  const forEachPrefix = (k: number, f: (inOffset: number, outOffset: number) => void) => {
    let count = 1;
    for (let a = 0; a < k; a++) count *= shape[a];
    const index = new Array<number>(k).fill(0);
    for (let r = 0; r < count; r++) {
      let inOffset = 0;
      let outOffset = 0;
      for (let a = 0; a < k; a++) {
        inOffset += index[a] * inStrides[a];
        outOffset += index[a] * outStrides[a];
      }
      f(inOffset, outOffset);
      for (let a = k - 1; a >= 0; a--) {
        if (++index[a] < shape[a]) break;
        index[a] = 0;
      }
    }
  };
  const last = rank - 1;
  const rowLength = shape[last];
  forEachPrefix(last, (inOffset, outOffset) => {
    copyRun(src, inOffset, dst, outOffset, rowLength);
    for (let t = 1; t < reps[last]; t++) dst.copyWithin(outOffset + t * rowLength, outOffset, outOffset + rowLength);
  });
  for (let k = last - 1; k >= 0; k--) {
    if (reps[k] === 1) continue;
    const block = shape[k] * outStrides[k];
    forEachPrefix(k, (_inOffset, outOffset) => {
      for (let t = 1; t < reps[k]; t++) dst.copyWithin(outOffset + t * block, outOffset, outOffset + block);
    });
  }
}

function heapKernel(original: tf.KernelConfig, body: (wasm: BackendWasm, args: KernelArgs) => Info): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const first = Object.values(args.inputs)[0];
    if (first.dtype === 'string' || first.dtype === 'complex64') {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    return body(args.backend as BackendWasm, args);
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

export function sliceKernel(original: tf.KernelConfig): tf.KernelConfig {
  return heapKernel(original, (wasm, { inputs, attrs }) => {
    const { x } = inputs;
    const a = attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
    const out = wasm.makeOutput(size, x.dtype);
    if (size.some((s) => s === 0)) return out;
    sliceInto(
      wasm.typedArrayFromHeap(x) as Heap,
      x.shape,
      begin,
      size,
      wasm.typedArrayFromHeap(out) as Heap,
      runCopierFor(wasm),
    );
    return out;
  });
}

export function tileKernel(original: tf.KernelConfig): tf.KernelConfig {
  return heapKernel(original, (wasm, { inputs, attrs }) => {
    const { x } = inputs;
    const { reps } = attrs as { reps: number[] };
    const out = wasm.makeOutput(
      x.shape.map((s, i) => s * reps[i]),
      x.dtype,
    );
    if (out.shape.some((s) => s === 0)) return out;
    tileInto(wasm.typedArrayFromHeap(x) as Heap, x.shape, reps, wasm.typedArrayFromHeap(out) as Heap);
    return out;
  });
}

export function splitVKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info[] => {
    const { x } = args.inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info[];
    }
    const wasm = args.backend as BackendWasm;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[$axis] = s;
      const out = wasm.makeOutput(size, x.dtype);
      // Re-read the input view after each allocation: the heap may have grown.
      if (s > 0)
        sliceInto(
          wasm.typedArrayFromHeap(x) as Heap,
          x.shape,
          begin,
          size,
          wasm.typedArrayFromHeap(out) as Heap,
          runCopierFor(wasm),
        );
      begin[$axis] += s;
      return out;
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Concat by the heap copier: for every index of the axes before the
 * concatenation axis, each input's block is one run. The backend's kernel
 * makes a subarray per run.
 */
export function concatKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const inputs = Object.values(args.inputs).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const wasm = args.backend as BackendWasm;
    const copyRuns = runCopierFor(wasm);
    if (copyRuns == null || inputs.length < 2 || inputs[0].dtype === 'string' || inputs[0].dtype === 'complex64') {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, inputs[0].shape)[0];
    const out = wasm.makeOutput(
      tf.backend_util.computeOutShape(
        inputs.map((t) => t.shape),
        axis,
      ),
      inputs[0].dtype,
    );
    const rows = tf.util.sizeFromShape(inputs[0].shape.slice(0, axis));
    const blocks = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const total = blocks.reduce((a, b) => a + b, 0);
    const bytes = tf.util.bytesPerElement(out.dtype);
    const outOffset = heapOffset(wasm, out);
    let column = 0;
    inputs.forEach((t, i) => {
      copyRuns(
        heapOffset(wasm, t),
        outOffset + column * bytes,
        rows,
        blocks[i] * bytes,
        blocks[i] * bytes,
        total * bytes,
      );
      column += blocks[i];
    });
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
