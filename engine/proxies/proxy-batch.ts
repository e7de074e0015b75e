/**
 * The one mini-batch the zero-cost proxies see: `size` images of the protocol's training split
 * (engine/data/split.ts), the first of a permutation seeded by the seed, so every architecture
 * is scored on the same images.
 */
import seedrandom from 'seedrandom';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import { assembleBatch, type Batch } from '../batches.ts';
import { loadDataset } from '../data/datasets.ts';
import { splitDataset } from '../data/split.ts';

export interface ProxyBatch extends Batch {
  imageShape: [number, number, number];
}

/** Indices into a training split of `count` images: the first `size` of a Fisher-Yates shuffle seeded by `seed`. */
export function proxyBatchIndices(count: number, size: number, seed: number): Int32Array {
  if (size > count) throw new RangeError(`proxy batch: ${size} images asked of a training split of ${count}`);
  const rng = seedrandom(`${seed}/proxy-batch`);
  const pool = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng() * (count - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size);
}

export async function loadProxyBatch(
  protocol: TrainingProtocol,
  size: number,
  seed: number,
  dataDir?: string,
): Promise<ProxyBatch> {
  const split = splitDataset(await loadDataset(protocol, dataDir), { ...protocol, testSize: 0 });
  const indices = proxyBatchIndices(split.train.count, size, seed);
  return {
    ...assembleBatch(split.train.x, split.train.y, indices, split.imageShape, null),
    imageShape: split.imageShape,
  };
}
