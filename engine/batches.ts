/** Seeded epoch order and batch assembly from NHWC float arrays. */
import seedrandom from 'seedrandom';
import { augmentImage } from './augment.ts';

/** The order of samples in an epoch: a Fisher-Yates shuffle seeded by (seed, epoch). */
export function epochPermutation(count: number, seed: number, epoch: number): Int32Array {
  return seededPermutation(count, `${seed}/shuffle/${epoch}`);
}

/** The fixed order whose first batches recalibrate batch norm (bn-recalibration.ts), the same before every evaluation. */
export function recalibrationPermutation(count: number, seed: number): Int32Array {
  return seededPermutation(count, `${seed}/bn-recalibration`);
}

/** The order whose first batches score architectures in round `round` of a weight-sharing search. */
export function scoringPermutation(count: number, seed: number, round: number): Int32Array {
  return seededPermutation(count, `${seed}/sharing-score/${round}`);
}

function seededPermutation(count: number, key: string): Int32Array {
  const rng = seedrandom(key);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** The augmentation generator of an epoch, independent of the shuffle's. */
export function augmentationRng(seed: number, epoch: number): () => number {
  return seedrandom(`${seed}/augment/${epoch}`);
}

export interface Batch {
  x: Float32Array;
  y: Int32Array;
}

export function assembleBatch(
  x: Float32Array,
  y: Int32Array,
  indices: Int32Array,
  imageShape: readonly [number, number, number],
  augment: (() => number) | null,
): Batch {
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const bx = new Float32Array(indices.length * pixels);
  const by = new Int32Array(indices.length);
  indices.forEach((index, row) => {
    const source = x.subarray(index * pixels, (index + 1) * pixels);
    const target = bx.subarray(row * pixels, (row + 1) * pixels);
    if (augment) augmentImage(source, target, imageShape, augment);
    else target.set(source);
    by[row] = y[index];
  });
  return { x: bx, y: by };
}
