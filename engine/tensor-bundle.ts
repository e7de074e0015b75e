/**
 * Tensors and a JSON header as bytes, the layout of every file of weights the engine writes:
 *
 *   magic (8 ASCII bytes) | uint32 LE header length | header JSON (utf-8) | zero pad to 4 | tensor data
 *
 * The header lists each tensor's name, shape, dtype and element offset; the data is the tensors'
 * float32/int32 values, little-endian, back to back.
 */
import * as tf from '@tensorflow/tfjs';

export type StoredDtype = 'float32' | 'int32';

export interface BundleEntry {
  name: string;
  shape: number[];
  dtype: StoredDtype;
  /** Offset into the data section, in 4-byte elements. */
  offset: number;
}

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('tensor bundle: the byte format assumes a little-endian platform');
}

/** `values`: 4-byte elements (float32/int32 arrays, or their bytes), in the order of their offsets. */
export function encodeBundle(magic: string, header: object, values: ArrayBufferView[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(magic.length + 4 + json.length);
  const out = new Uint8Array(dataStart + values.reduce((sum, v) => sum + v.byteLength, 0));
  out.set(new TextEncoder().encode(magic), 0);
  new DataView(out.buffer).setUint32(magic.length, json.length, true);
  out.set(json, magic.length + 4);
  let offset = dataStart;
  for (const v of values) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

/**
 * The header and data section of a bundle (a `kind`, e.g. "checkpoint"); `fail` makes the caller's
 * error. Checks the magic, that the header is complete, and that the data holds every entry of
 * `entriesOf(header)`.
 */
export function decodeBundle<H>(
  magic: string,
  kind: string,
  bytes: Uint8Array,
  entriesOf: (header: H) => BundleEntry[],
  fail: (problem: string) => Error,
): { header: H; data: Uint8Array } {
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== magic) {
    throw fail(`not a ${kind} (expected it to start with ${magic})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(magic.length, true);
  const jsonEnd = magic.length + 4 + length;
  if (jsonEnd > bytes.length) throw fail('truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, jsonEnd))) as H;
  const data = bytes.subarray(align4(jsonEnd));
  const needed = entriesOf(header).reduce((max, e) => Math.max(max, 4 * (e.offset + sizeOf(e.shape))), 0);
  if (data.length < needed) throw fail(`truncated data: ${data.length} bytes, the header needs ${needed}`);
  return { header, data };
}

/** Entries for `tensors` laid out back to back from element `start`. */
export function bundleEntries(tensors: { name: string; tensor: tf.Tensor }[], start = 0): BundleEntry[] {
  let offset = start;
  return tensors.map(({ name, tensor }) => {
    const entry = { name, shape: tensor.shape, dtype: storedDtype(name, tensor.dtype), offset };
    offset += tensor.size;
    return entry;
  });
}

export function storedDtype(name: string, dtype: tf.DataType): StoredDtype {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new Error(`tensor ${name} has dtype ${dtype}; only float32 and int32 are stored`);
}

export function entryTensor(entry: BundleEntry, data: Uint8Array): tf.Tensor {
  const size = sizeOf(entry.shape);
  // Copy out: the data section need not be 4-byte aligned in memory (e.g. a Buffer slice from the
  // database). Not data.slice: on a Node Buffer that is a view of the same memory.
  const raw = new Uint8Array(4 * size);
  raw.set(data.subarray(4 * entry.offset, 4 * (entry.offset + size)));
  const values = entry.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
  return tf.tensor(values, entry.shape, entry.dtype);
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
