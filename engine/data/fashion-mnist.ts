/**
 * Fashion-MNIST, the registry's dataset: the idx: reader over the four IDX files of Debian's
 * dataset-fashion-mnist (or of NAS_DATA_DIR), held to the registry's 28x28x1 images and 10 classes.
 */
import { DATASETS } from '../../contracts/datasets.ts';
import { loadIdxDataset } from './idx-dataset.ts';
import type { LoadedDataset } from './image-set.ts';

export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

const MISSING_FIX =
  `the data directory is NAS_DATA_DIR (default ${DEFAULT_DATA_DIR}) unless the trainer is given one: ` +
  '`apt-get install dataset-fashion-mnist`, or set NAS_DATA_DIR to a directory holding the four IDX files (gzipped or not)';

export function defaultDataDir(): string {
  return process.env.NAS_DATA_DIR ?? DEFAULT_DATA_DIR;
}

/** Reads Fashion-MNIST from `dir` (datasets.ts loadDataset caches it). */
export function readFashionMnist(dir: string): LoadedDataset {
  const { input, classes } = DATASETS['fashion-mnist'];
  return loadIdxDataset(dir, { input, classes, missingFix: MISSING_FIX });
}
