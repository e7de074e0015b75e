/**
 * A dataset of four IDX files in a directory (`idx:DIR`), named and found as Fashion-MNIST's are
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, each plain or .gz). Images are [n, height, width] (one channel) or
 * [n, height, width, channels]; the classes are 0..max label.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetDescriptor, ImageShape } from '../../contracts/datasets.ts';
import { IdxFormatError, readIdxFile } from './idx.ts';
import { DatasetFileError, MAX_CLASSES, type ImageSet, type LoadedDataset } from './image-set.ts';
import { fileError, listDatasetDir } from './directory.ts';
import { datasetVersion } from './version.ts';

export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const MISSING_FIX = 'an idx: dataset holds the four IDX files';

/** What a registry dataset read by this reader must hold (Fashion-MNIST: 28x28x1, labels 0..9). */
export interface IdxExpectation {
  input: ImageShape;
  classes: number;
  /** How to get the files when some are missing. */
  missingFix: string;
}

export type IdxFiles = Record<keyof typeof IDX_FILE_NAMES, string>;

/** The four files, `<name>.gz` first, else `<name>`; a DatasetFileError naming the missing ones. */
export function locateIdxFiles(dir: string, missingFix = MISSING_FIX): IdxFiles {
  try {
    listDatasetDir(dir);
  } catch (err) {
    // No directory, or an empty one: the files are missing, and the fix is the one for missing files.
    if (err instanceof DatasetFileError && err.path === dir && !err.problem.includes('permission denied'))
      throw new DatasetFileError(dir, err.problem, missingFix === MISSING_FIX ? err.fix : missingFix);
    throw err;
  }
  const found: Partial<IdxFiles> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(IDX_FILE_NAMES) as [keyof IdxFiles, string][]) {
    const path = [join(dir, `${name}.gz`), join(dir, name)].find((p) => existsSync(p));
    if (path) found[key] = path;
    else missing.push(name);
  }
  if (missing.length > 0)
    throw new DatasetFileError(dir, `missing ${missing.join(', ')} (each plain or .gz)`, missingFix);
  return found as IdxFiles;
}

/** Reads the four files; `expected` (a registry dataset's) refuses images of another size and labels beyond its classes. */
export function loadIdxDataset(dir: string, expected?: IdxExpectation): LoadedDataset {
  const files = locateIdxFiles(dir, expected?.missingFix);
  const classes = expected?.classes ?? MAX_CLASSES;
  const train = readImageSet(files.trainImages, files.trainLabels, classes, expected?.input);
  const test = readImageSet(files.testImages, files.testLabels, classes, train.shape);
  return { dir, input: train.shape, train: train.set, test: test.set };
}

export function describeIdxDataset(dir: string): DatasetDescriptor {
  const dataset = loadIdxDataset(dir);
  const files = locateIdxFiles(dir);
  let classes = 0;
  for (const set of [dataset.train, dataset.test])
    for (const label of set.labels) classes = Math.max(classes, label + 1);
  if (classes < 2)
    throw new DatasetFileError(
      files.trainLabels,
      `only label ${classes - 1} occurs: a classifier needs at least two classes`,
    );
  return {
    input: dataset.input,
    classes,
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
    trainSamples: dataset.train.count,
    testSamples: dataset.test.count,
    version: idxVersion(dir),
  };
}

export function idxVersion(dir: string): string {
  return datasetVersion('idx', dir, Object.values(locateIdxFiles(dir)));
}

function readImageSet(
  imagesPath: string,
  labelsPath: string,
  classes: number,
  expected?: ImageShape,
): { set: ImageSet; shape: ImageShape } {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  const [count, height, width, channels = 1] = images.dims;
  const shape = { height, width, channels };
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DatasetFileError(
      imagesPath,
      `expected images of dims [n, height, width] or [n, height, width, channels], got [${images.dims.join(', ')}]`,
    );
  }
  if (expected && (height !== expected.height || width !== expected.width || channels !== expected.channels)) {
    const size = (s: ImageShape) => `${s.height}x${s.width}x${s.channels}`;
    throw new DatasetFileError(imagesPath, `images of ${size(shape)}, expected ${size(expected)}`);
  }
  if (count === 0) throw new DatasetFileError(imagesPath, 'no images');
  if (labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new DatasetFileError(
      labelsPath,
      `expected dims [${count}] to match ${imagesPath}, got [${labels.dims.join(', ')}]`,
    );
  }
  const bad = labels.data.findIndex((l) => l >= classes);
  if (bad >= 0)
    throw new DatasetFileError(labelsPath, `label ${labels.data[bad]} at index ${bad} is not in 0..${classes - 1}`);
  return { set: { count, images: images.data, labels: labels.data }, shape };
}

function readIdx(path: string) {
  try {
    return readIdxFile(path);
  } catch (err) {
    if (err instanceof IdxFormatError)
      throw new DatasetFileError(path, err.message.replace(`IDX file ${path}: `, ''), 'replace it with an intact copy');
    throw fileError(path, err);
  }
}
