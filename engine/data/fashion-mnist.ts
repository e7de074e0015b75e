/**
 * Fashion-MNIST from IDX files in a directory (Debian: dataset-fashion-mnist).
 * Pixels stay raw uint8 here; split.ts scales the subsets it takes.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IdxFormatError, readIdxFile } from './idx';
import { DATASETS } from '../../contracts/datasets';
import type { ImageSet, LoadedDataset } from './image-set';

export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';
const { input, classes } = DATASETS['fashion-mnist'];
export const FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type { ImageSet };

/** Its images are count x 28 x 28 x 1 bytes. */
export type FashionMnist = LoadedDataset;

export class DatasetMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetMissingError';
  }
}

const cache = new Map<string, FashionMnist>();

export function defaultDataDir(): string {
  return process.env.NAS_DATA_DIR ?? DEFAULT_DATA_DIR;
}

/** Loads (once per process and directory) the four IDX files, gzipped or not. */
export function loadFashionMnist(dir: string = defaultDataDir()): FashionMnist {
  const key = resolve(dir);
  const cached = cache.get(key);
  if (cached) return cached;
  const paths = locateFiles(key);
  const dataset: FashionMnist = {
    dir: key,
    input,
    train: readImageSet(paths.trainImages, paths.trainLabels),
    test: readImageSet(paths.testImages, paths.testLabels),
  };
  cache.set(key, dataset);
  return dataset;
}

/** Forgets cached datasets (tests that rewrite fixture files). */
export function clearFashionMnistCache(): void {
  cache.clear();
}

function locateFiles(dir: string): Record<keyof typeof FILE_NAMES, string> {
  const found: Partial<Record<keyof typeof FILE_NAMES, string>> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(FILE_NAMES) as [keyof typeof FILE_NAMES, string][]) {
    const path = [join(dir, `${name}.gz`), join(dir, name)].find((p) => existsSync(p));
    if (path) found[key] = path;
    else missing.push(`${name}[.gz]`);
  }
  if (missing.length > 0) {
    throw new DatasetMissingError(
      `Fashion-MNIST not found in ${dir}: missing ${missing.join(', ')}. ` +
        `The data directory is NAS_DATA_DIR (default ${DEFAULT_DATA_DIR}) unless the trainer is given one. ` +
        `Fix: \`apt-get install dataset-fashion-mnist\`, ` +
        `or set NAS_DATA_DIR to a directory holding the four IDX files (gzipped or not).`,
    );
  }
  return found as Record<keyof typeof FILE_NAMES, string>;
}

function readImageSet(imagesPath: string, labelsPath: string): ImageSet {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  const [count, height, width] = images.dims;
  if (images.dims.length !== 3 || height !== input.height || width !== input.width) {
    throw new IdxFormatError(
      imagesPath,
      `expected dims [n, ${input.height}, ${input.width}], got [${images.dims.join(', ')}]`,
    );
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new IdxFormatError(
      labelsPath,
      `expected dims [${count}] to match ${imagesPath}, got [${labels.dims.join(', ')}]`,
    );
  }
  const bad = labels.data.findIndex((l) => l >= classes);
  if (bad >= 0) throw new IdxFormatError(labelsPath, `label ${labels.data[bad]} at index ${bad} is not in 0..9`);
  return { count, images: images.data, labels: labels.data };
}
