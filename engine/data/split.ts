/**
 * Protocol subsets of a dataset: a seeded split of the training set into
 * disjoint train and validation subsets, and the first `testSize` samples of
 * the test set (the test set is fixed and ordered, so the first N is
 * reproducible without a seed and the same for every protocol seed).
 * Pixels are scaled to [0, 1] float32, labels are int32.
 */
import seedrandom from 'seedrandom';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { ImageSet, LoadedDataset } from './image-set.ts';

export interface Samples {
  count: number;
  /** count x height x width x channels, NHWC, values in [0, 1]. */
  x: Float32Array;
  y: Int32Array;
}

export interface ProtocolData {
  imageShape: [number, number, number];
  train: Samples;
  val: Samples;
  test: Samples;
  /** Indices into the dataset's training set (train then val), for audits and tests. */
  trainIndices: Int32Array;
  valIndices: Int32Array;
}

type SplitFields = Pick<TrainingProtocol, 'trainSize' | 'valSize' | 'testSize' | 'seed'>;

export function splitDataset(dataset: LoadedDataset, protocol: SplitFields): ProtocolData {
  const { trainSize, valSize, testSize, seed } = protocol;
  requireCount('trainSize', trainSize, 1);
  requireCount('valSize', valSize, 1);
  requireCount('testSize', testSize, 0);
  const available = dataset.train.count;
  if (trainSize + valSize > available) {
    throw new RangeError(
      `protocol.trainSize + protocol.valSize = ${trainSize} + ${valSize} = ${trainSize + valSize} ` +
        `exceeds the ${available} samples of the training set`,
    );
  }
  if (testSize > dataset.test.count) {
    throw new RangeError(`protocol.testSize = ${testSize} exceeds the ${dataset.test.count} samples of the test set`);
  }
  const chosen = seededSample(available, trainSize + valSize, `${seed}/split`);
  const trainIndices = chosen.slice(0, trainSize);
  const valIndices = chosen.slice(trainSize);
  const testIndices = Int32Array.from({ length: testSize }, (_, i) => i);
  return {
    imageShape: [dataset.input.height, dataset.input.width, dataset.input.channels],
    train: gather(dataset.train, trainIndices),
    val: gather(dataset.train, valIndices),
    test: gather(dataset.test, testIndices),
    trainIndices,
    valIndices,
  };
}

function requireCount(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`protocol.${field} must be an integer >= ${min}, got ${value}`);
  }
}

/** The first `k` entries of a seeded Fisher-Yates shuffle of 0..n-1. */
function seededSample(n: number, k: number, seed: string): Int32Array {
  const rng = seedrandom(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k);
}

function gather(set: ImageSet, indices: Int32Array): Samples {
  const pixels = set.images.length / set.count;
  const x = new Float32Array(indices.length * pixels);
  const y = new Int32Array(indices.length);
  indices.forEach((index, row) => {
    const source = set.images.subarray(index * pixels, (index + 1) * pixels);
    for (let p = 0; p < pixels; p++) x[row * pixels + p] = source[p] / 255;
    y[row] = set.labels[index];
  });
  return { count: indices.length, x, y };
}
