/**
 * The state of a weight-sharing training in a file: the shared weights, the momentum of those
 * trained so far, the number of steps done and the per-step curve, as a tensor bundle with the
 * magic "NASSHAR1". Written to a temporary file and renamed over the old one, so a process killed
 * while writing leaves the previous checkpoint whole.
 */
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { stableHash } from '../../contracts/hash.ts';
import { type BundleEntry, bundleEntries, decodeBundle, encodeBundle, entryTensor } from '../tensor-bundle.ts';
import type { SharedMomentum } from './shared-momentum.ts';
import type { SharedNetwork } from './shared-network.ts';

const MAGIC = 'NASSHAR1';
const FORMAT_VERSION = 1;

/** One training step of the shared weights: the path's loss and accuracy on its batch. */
export interface SharedStep {
  loss: number;
  accuracy: number;
}

export interface SharedState {
  /** Training steps done (the next step's index). */
  step: number;
  /** One entry per step done, in order. */
  curve: SharedStep[];
}

interface Header extends SharedState {
  version: number;
  /** Hash of the shared weights' keys and shapes: a checkpoint fits only the network it came from. */
  layout: string;
  weights: BundleEntry[];
  momentum: BundleEntry[];
}

export class SharedCheckpointError extends Error {
  constructor(path: string, problem: string) {
    super(`shared-weight checkpoint ${path}: ${problem}`);
    this.name = 'SharedCheckpointError';
  }
}

const layoutHash = (network: SharedNetwork) => stableHash(network.layout.weights.map((w) => [w.key, w.shape]));

export async function saveSharedState(
  path: string,
  state: SharedState,
  network: SharedNetwork,
  optimizer: SharedMomentum,
): Promise<void> {
  const weights = [...network.variables].map(([name, tensor]) => ({ name, tensor: tensor as tf.Tensor }));
  const momentum = optimizer.state().map(([name, tensor]) => ({ name, tensor: tensor as tf.Tensor }));
  const weightEntries = bundleEntries(weights);
  const header: Header = {
    version: FORMAT_VERSION,
    layout: layoutHash(network),
    step: state.step,
    curve: state.curve,
    weights: weightEntries,
    momentum: bundleEntries(
      momentum,
      weights.reduce((sum, w) => sum + w.tensor.size, 0),
    ),
  };
  const values = await Promise.all([...weights, ...momentum].map((t) => t.tensor.data()));
  const bytes = encodeBundle(MAGIC, header, values as Float32Array[]);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

/** The steps done by the checkpoint at `path`, read from its header alone; null when there is no file. */
export async function checkpointStep(path: string): Promise<number | null> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!file) return null;
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    await file.read(head, 0, head.length, 0);
    if (head.subarray(0, MAGIC.length).toString() !== MAGIC) {
      throw new SharedCheckpointError(path, `not a shared-weight checkpoint (expected it to start with ${MAGIC})`);
    }
    const json = Buffer.alloc(head.readUInt32LE(MAGIC.length));
    await file.read(json, 0, json.length, head.length);
    return (JSON.parse(json.toString()) as Header).step;
  } finally {
    await file.close();
  }
}

/** Restores the state saved at `path` into the network and optimizer; null when there is no file. */
export async function loadSharedState(
  path: string,
  network: SharedNetwork,
  optimizer: SharedMomentum,
): Promise<SharedState | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const { header, data } = decodeBundle<Header>(
    MAGIC,
    'shared-weight checkpoint',
    bytes,
    (h) => {
      if (h.version !== FORMAT_VERSION)
        throw new SharedCheckpointError(path, `format version ${h.version}, this code reads ${FORMAT_VERSION}`);
      return [...h.weights, ...h.momentum];
    },
    (problem) => new SharedCheckpointError(path, problem),
  );
  if (header.layout !== layoutHash(network)) {
    throw new SharedCheckpointError(path, 'holds the weights of another shared network (its layout differs)');
  }
  for (const entry of header.weights) {
    const value = entryTensor(entry, data);
    network.variables.get(entry.name)!.assign(value);
    value.dispose();
  }
  optimizer.restore(header.momentum.map((entry) => [entry.name, entryTensor(entry, data)]));
  return { step: header.step, curve: header.curve };
}
