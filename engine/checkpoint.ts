/**
 * Epoch checkpoints: model weights (trainable and not, e.g. batch-norm
 * statistics), optimizer state and the last finished epoch, as bytes:
 *
 *   "NASCKPT1" | uint32 LE header length | header JSON (utf-8) | zero pad to 4 | tensor data
 *
 * The header lists each tensor's name, shape, dtype and element offset; the
 * data is the tensors' float32/int32 values, little-endian, back to back.
 * Weights are restored by position, so a freshly built model of the same
 * architecture (whose layer names differ) accepts them.
 */
import * as tf from '@tensorflow/tfjs';

const MAGIC = 'NASCKPT1';
const FORMAT_VERSION = 1;

type StoredDtype = 'float32' | 'int32';
interface Entry {
  name: string;
  shape: number[];
  dtype: StoredDtype;
  /** Offset into the data section, in 4-byte elements. */
  offset: number;
}
interface Header {
  version: number;
  epoch: number;
  optimizer: string;
  model: Entry[];
  optimizerWeights: Entry[];
  /** Optimizer fields that setWeights would recompute inexactly (Adam's beta powers). */
  optimizerExtras: Entry[];
  /** Validation accuracy of epochs 0..epoch (the learning curve a plateau budget reads); absent in older checkpoints. */
  valAccuracies?: number[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(`checkpoint: ${message}`);
    this.name = 'CheckpointError';
  }
}

const EXACT_FIELDS: Record<string, string[]> = { Adam: ['accBeta1', 'accBeta2'] };

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('checkpoint: the byte format assumes a little-endian platform');
}

export interface CheckpointState {
  /** The last finished epoch (0-based); training resumes at epoch + 1. */
  epoch: number;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** Validation accuracy of epochs 0..epoch. */
  valAccuracies?: number[];
}

export async function serializeCheckpoint({
  epoch,
  model,
  optimizer,
  valAccuracies,
}: CheckpointState): Promise<Uint8Array> {
  const named = await optimizer.getWeights();
  try {
    const tensors: { name: string; tensor: tf.Tensor }[] = [];
    const section = (list: { name: string; tensor: tf.Tensor }[]): Entry[] =>
      list.map(({ name, tensor }) => {
        const offset = tensors.reduce((sum, t) => sum + t.tensor.size, 0);
        tensors.push({ name, tensor });
        return { name, shape: tensor.shape, dtype: storedDtype(name, tensor.dtype), offset };
      });
    const header: Header = {
      version: FORMAT_VERSION,
      epoch,
      optimizer: optimizer.getClassName(),
      model: section(model.weights.map((w) => ({ name: w.name, tensor: w.read() }))),
      optimizerWeights: section(named),
      optimizerExtras: section(exactFields(optimizer)),
      ...(valAccuracies ? { valAccuracies } : {}),
    };
    const values = await Promise.all(tensors.map((t) => t.tensor.data()));
    return encode(header, values as (Float32Array | Int32Array)[]);
  } finally {
    // getWeights returns the optimizer's own variables plus a fresh iteration-count tensor.
    for (const { tensor } of named) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
}

/** Restores a checkpoint into a model and a fresh optimizer of the same kind; returns the epoch and the curve it carries. */
export async function restoreCheckpoint(
  bytes: Uint8Array,
  target: { model: tf.LayersModel; optimizer: tf.Optimizer; requireCurve?: boolean },
): Promise<{ epoch: number; valAccuracies?: number[] }> {
  const { header, data } = decode(bytes);
  const { model, optimizer } = target;
  const curveLength = header.valAccuracies?.length ?? 0;
  if (target.requireCurve && curveLength !== header.epoch + 1) {
    throw new CheckpointError(
      `holds ${curveLength} validation accuracies for ${header.epoch + 1} epochs; the plateau budget needs the whole learning curve`,
    );
  }
  if (header.optimizer !== optimizer.getClassName()) {
    throw new CheckpointError(
      `holds ${header.optimizer} optimizer state, the optimizer is ${optimizer.getClassName()}`,
    );
  }
  checkModelEntries(header, model);
  const modelTensors = header.model.map((e) => toTensor(e, data));
  const optimizerTensors = header.optimizerWeights.map((e) => ({ name: e.name, tensor: toTensor(e, data) }));
  try {
    model.setWeights(modelTensors);
    await optimizer.setWeights(optimizerTensors);
    const fields = optimizer as unknown as Record<string, tf.Variable>;
    for (const entry of header.optimizerExtras) {
      const value = toTensor(entry, data);
      fields[entry.name].assign(value);
      value.dispose();
    }
  } finally {
    tf.dispose(modelTensors);
    tf.dispose(optimizerTensors.map((t) => t.tensor));
  }
  return { epoch: header.epoch, ...(header.valAccuracies ? { valAccuracies: header.valAccuracies } : {}) };
}

/**
 * The model weights of a checkpoint alone, in the same format with no optimizer state (optimizer
 * "none"): what a succeeded trial keeps as its trained weights. restoreModelWeights reads it (and
 * a whole checkpoint); restoreCheckpoint refuses it.
 */
export function modelWeightsOnly(bytes: Uint8Array): Uint8Array {
  const { header, data } = decode(bytes);
  const elements = header.model.reduce((max, e) => Math.max(max, e.offset + sizeOf(e.shape)), 0);
  const model: Header = { ...header, optimizer: 'none', optimizerWeights: [], optimizerExtras: [] };
  return encode(model, [data.subarray(0, 4 * elements)]);
}

/** Sets a model's weights (by position) from a checkpoint or from modelWeightsOnly's bytes; returns the epoch. */
export function restoreModelWeights(bytes: Uint8Array, model: tf.LayersModel): { epoch: number } {
  const { header, data } = decode(bytes);
  checkModelEntries(header, model);
  const tensors = header.model.map((e) => toTensor(e, data));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
  return { epoch: header.epoch };
}

function checkModelEntries(header: Header, model: tf.LayersModel): void {
  const weights = model.weights;
  if (header.model.length !== weights.length) {
    throw new CheckpointError(`holds ${header.model.length} model weights, the model has ${weights.length}`);
  }
  header.model.forEach((entry, i) => {
    if (!tf.util.arraysEqual(entry.shape, weights[i].shape as number[])) {
      throw new CheckpointError(
        `model weight ${i} (${entry.name}) has shape [${entry.shape}], the model's ${weights[i].name} has [${weights[i].shape}]`,
      );
    }
  });
}

/** The epoch of a checkpoint without restoring it. */
export function checkpointEpoch(bytes: Uint8Array): number {
  return decode(bytes).header.epoch;
}

function exactFields(optimizer: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const fields = optimizer as unknown as Record<string, tf.Tensor | undefined>;
  return (EXACT_FIELDS[optimizer.getClassName()] ?? [])
    .filter((name) => fields[name] instanceof tf.Variable)
    .map((name) => ({ name, tensor: fields[name] as tf.Tensor }));
}

function storedDtype(name: string, dtype: tf.DataType): StoredDtype {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new CheckpointError(`tensor ${name} has dtype ${dtype}; only float32 and int32 are stored`);
}

/** `values`: 4-byte elements (float32/int32 arrays, or their bytes). */
function encode(header: Header, values: ArrayBufferView[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(MAGIC.length + 4 + json.length);
  const out = new Uint8Array(dataStart + values.reduce((sum, v) => sum + v.byteLength, 0));
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  let offset = dataStart;
  for (const v of values) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

function decode(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new CheckpointError(`not a checkpoint (expected it to start with ${MAGIC})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(MAGIC.length, true);
  const jsonEnd = MAGIC.length + 4 + length;
  if (jsonEnd > bytes.length) throw new CheckpointError('truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, jsonEnd))) as Header;
  if (header.version !== FORMAT_VERSION) {
    throw new CheckpointError(`format version ${header.version} is not supported (this code reads ${FORMAT_VERSION})`);
  }
  const data = bytes.subarray(align4(jsonEnd));
  const all = [...header.model, ...header.optimizerWeights, ...header.optimizerExtras];
  const needed = all.reduce((max, e) => Math.max(max, 4 * (e.offset + sizeOf(e.shape))), 0);
  if (data.length < needed)
    throw new CheckpointError(`truncated data: ${data.length} bytes, the header needs ${needed}`);
  return { header, data };
}

function toTensor(entry: Entry, data: Uint8Array): tf.Tensor {
  const size = sizeOf(entry.shape);
  // Copy out: the data section need not be 4-byte aligned in memory (e.g. a Buffer slice from the database).
  const raw = data.slice(4 * entry.offset, 4 * (entry.offset + size));
  const values = entry.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
  return tf.tensor(values, entry.shape, entry.dtype);
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
