/**
 * Epoch checkpoints: model weights (trainable and not, e.g. batch-norm
 * statistics), optimizer state and the last finished epoch, as a tensor
 * bundle (tensor-bundle.ts) with the magic "NASCKPT1".
 * Weights are restored by position, so a freshly built model of the same
 * architecture (whose layer names differ) accepts them.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type BundleEntry,
  type StoredDtype,
  decodeBundle,
  encodeBundle,
  entryTensor as toTensor,
  sizeOf,
} from './tensor-bundle.ts';

const MAGIC = 'NASCKPT1';
const FORMAT_VERSION = 1;

type Entry = BundleEntry;
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

function encode(header: Header, values: ArrayBufferView[]): Uint8Array {
  return encodeBundle(MAGIC, header, values);
}

function decode(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  return decodeBundle<Header>(
    MAGIC,
    'checkpoint',
    bytes,
    (header) => {
      if (header.version !== FORMAT_VERSION) {
        throw new CheckpointError(
          `format version ${header.version} is not supported (this code reads ${FORMAT_VERSION})`,
        );
      }
      return [...header.model, ...header.optimizerWeights, ...header.optimizerExtras];
    },
    (problem) => new CheckpointError(problem),
  );
}
