/** A dataset as the trainer holds it: raw uint8 pixels, NHWC, and one label byte per image. */
import type { ImageShape } from '../../contracts/datasets.ts';

export interface ImageSet {
  count: number;
  /** count x height x width x channels raw pixel bytes, NHWC (row major, channels last). */
  images: Uint8Array;
  labels: Uint8Array;
}

export interface LoadedDataset {
  /** The directory (or file) it was read from, for errors. */
  dir: string;
  input: ImageShape;
  train: ImageSet;
  test: ImageSet;
}

/** Labels are bytes: a dataset has at most this many classes. */
export const MAX_CLASSES = 256;

/**
 * A dataset file or directory that is missing, unreadable or malformed: the message names the path
 * and the problem (and a fix, where one is known). The CLI shows it as a --dataset error, a trainer
 * fails the trial with it.
 */
export class DatasetFileError extends Error {
  readonly path: string;
  readonly problem: string;
  readonly fix: string;
  constructor(path: string, problem: string, fix = '') {
    super(`${path}: ${problem}${fix ? `; ${fix}` : ''}`);
    this.path = path;
    this.problem = problem;
    this.fix = fix;
    this.name = 'DatasetFileError';
  }
}
