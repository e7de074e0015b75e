/**
 * CIFAR-10 in its official binary form (`cifar10:DIR`, the cifar-10-batches-bin directory):
 * data_batch_1.bin .. data_batch_5.bin (training) and test_batch.bin, each a sequence of 3073-byte
 * records (a label byte, then 32x32 red, 32x32 green and 32x32 blue bytes); batches.meta.txt, if
 * there, names the classes one a line. Pixels are turned from channel-major to NHWC here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetDescriptor } from '../../contracts/datasets.ts';
import { DatasetFileError, type ImageSet, type LoadedDataset } from './image-set.ts';
import { fileError, listDatasetDir } from './directory.ts';
import { datasetVersion } from './version.ts';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
const CLASSES = 10;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const META_FILE = 'batches.meta.txt';
const FIX = 'replace it with an intact copy of the CIFAR-10 binary version (cifar-10-binary.tar.gz)';

export function loadCifar10(dir: string): LoadedDataset {
  const files = batchFiles(dir);
  return {
    dir,
    input: { height: SIDE, width: SIDE, channels: 3 },
    train: readBatches(files.slice(0, -1)),
    test: readBatches(files.slice(-1)),
  };
}

export function describeCifar10(dir: string): DatasetDescriptor {
  const dataset = loadCifar10(dir);
  return {
    input: dataset.input,
    classes: CLASSES,
    classNames: classNames(dir),
    trainSamples: dataset.train.count,
    testSamples: dataset.test.count,
    version: cifar10Version(dir),
  };
}

export function cifar10Version(dir: string): string {
  const meta = join(dir, META_FILE);
  return datasetVersion('cifar10', dir, [...batchFiles(dir), ...(existsSync(meta) ? [meta] : [])]);
}

/** The five training batches, then the test batch. */
function batchFiles(dir: string): string[] {
  listDatasetDir(dir);
  const names = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const missing = names.filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0)
    throw new DatasetFileError(
      dir,
      `missing ${missing.join(', ')}`,
      'a cifar10: dataset is the directory cifar-10-batches-bin of the binary version',
    );
  return names.map((name) => join(dir, name));
}

function readBatches(paths: string[]): ImageSet {
  const batches = paths.map((path) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw fileError(path, err);
    }
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new DatasetFileError(
        path,
        `truncated or corrupt: ${bytes.length} bytes is not a whole number of ${RECORD}-byte records`,
        FIX,
      );
    }
    return { path, bytes };
  });
  const count = batches.reduce((n, b) => n + b.bytes.length / RECORD, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let row = 0;
  for (const { path, bytes } of batches) {
    for (let offset = 0; offset < bytes.length; offset += RECORD, row++) {
      const label = bytes[offset];
      if (label >= CLASSES)
        throw new DatasetFileError(path, `corrupt: record ${offset / RECORD} has label ${label}, not 0..9`, FIX);
      labels[row] = label;
      const target = row * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        for (let c = 0; c < 3; c++) images[target + p * 3 + c] = bytes[offset + 1 + c * PLANE + p];
      }
    }
  }
  return { count, images, labels };
}

function classNames(dir: string): string[] {
  const meta = join(dir, META_FILE);
  const names = existsSync(meta)
    ? readFileSync(meta, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
    : [];
  return names.length === CLASSES ? names : Array.from({ length: CLASSES }, (_, i) => String(i));
}
