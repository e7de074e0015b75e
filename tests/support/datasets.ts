/**
 * Small generated datasets of each kind for tests: class-per-folder PNG/JPEG images (written with
 * sharp), IDX files of any image size, and CIFAR-10 binary batches. Each class has its own colour
 * and a bright square at its own place, over seeded noise, so a network can tell them apart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { encodeIdx } from '../../engine/data/idx.ts';
import { IDX_FILE_NAMES } from '../../engine/data/idx-dataset.ts';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from '../../engine/data/cifar10.ts';

/** height x width x channels bytes, NHWC, of one image of `label`. */
export function classImage(
  label: number,
  height: number,
  width: number,
  channels: number,
  rng: () => number,
): Uint8Array {
  const pixels = new Uint8Array(height * width * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng() * 60);
  const side = Math.max(2, Math.floor(Math.min(height, width) / 3));
  const top = (label * 7) % Math.max(1, height - side);
  const left = (label * 11) % Math.max(1, width - side);
  for (let y = top; y < top + side; y++) {
    for (let x = left; x < left + side; x++) {
      for (let c = 0; c < channels; c++)
        pixels[(y * width + x) * channels + c] = c === label % channels ? 250 : 120 + 40 * c;
    }
  }
  return pixels;
}

export interface FolderDatasetOptions {
  classes: number;
  perClass: number;
  size: number;
  format?: 'png' | 'jpeg';
  /** Write under DIR/train and DIR/test (this many of each class in test/) instead of class folders. */
  testPerClass?: number;
  seed?: string;
}

/** Writes DIR/<class>/<n>.png (or the train/test layout); returns the class names. */
export async function writeFolderDataset(dir: string, options: FolderDatasetOptions): Promise<string[]> {
  const { classes, perClass, size, format = 'png', testPerClass, seed = 'folder' } = options;
  const rng = seedrandom(seed);
  const names = Array.from({ length: classes }, (_, i) => `class-${String.fromCharCode(97 + i)}`);
  const write = async (folder: string, label: number, count: number) => {
    mkdirSync(folder, { recursive: true });
    for (let n = 0; n < count; n++)
      await writeImage(
        join(folder, `${n}.${format === 'png' ? 'png' : 'jpg'}`),
        classImage(label, size, size, 3, rng),
        size,
        size,
      );
  };
  for (const [label, name] of names.entries()) {
    if (testPerClass === undefined) await write(join(dir, name), label, perClass);
    else {
      await write(join(dir, 'train', name), label, perClass);
      await write(join(dir, 'test', name), label, testPerClass);
    }
  }
  return names;
}

export async function writeImage(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  const image = sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } });
  await (path.endsWith('.png') ? image.png() : image.jpeg()).toFile(path);
}

export interface IdxDatasetOptions {
  train: number;
  test: number;
  height: number;
  width: number;
  classes: number;
  /** 4-dimensional image files with this many channels; absent: [n, height, width]. */
  channels?: number;
}

export function writeIdxDataset(dir: string, options: IdxDatasetOptions): void {
  const { train, test, height, width, classes, channels } = options;
  const rng = seedrandom('idx');
  mkdirSync(dir, { recursive: true });
  const set = (count: number) => {
    const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
    const images = new Uint8Array(count * height * width * (channels ?? 1));
    labels.forEach((label, i) =>
      images.set(classImage(label, height, width, channels ?? 1, rng), i * height * width * (channels ?? 1)),
    );
    return { images, labels, dims: channels ? [count, height, width, channels] : [count, height, width] };
  };
  const a = set(train);
  const b = set(test);
  const files: [string, Uint8Array][] = [
    [IDX_FILE_NAMES.trainImages, encodeIdx(a.dims, a.images)],
    [IDX_FILE_NAMES.trainLabels, encodeIdx([train], a.labels)],
    [IDX_FILE_NAMES.testImages, encodeIdx(b.dims, b.images)],
    [IDX_FILE_NAMES.testLabels, encodeIdx([test], b.labels)],
  ];
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}

/** CIFAR-10 binary batches of `perBatch` records each (label i % 10), channel-major. */
export function writeCifar10Dataset(dir: string, perBatch: number, classNames?: string[]): void {
  const rng = seedrandom('cifar');
  mkdirSync(dir, { recursive: true });
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    const bytes = new Uint8Array(perBatch * 3073);
    for (let r = 0; r < perBatch; r++) {
      const label = r % 10;
      const hwc = classImage(label, 32, 32, 3, rng);
      bytes[r * 3073] = label;
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) bytes[r * 3073 + 1 + c * 1024 + p] = hwc[p * 3 + c];
    }
    writeFileSync(join(dir, name), bytes);
  }
  if (classNames) writeFileSync(join(dir, 'batches.meta.txt'), `${classNames.join('\n')}\n\n`);
}
