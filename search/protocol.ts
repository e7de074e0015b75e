import { stableHash } from '../cells/hash';
import type { DatasetName } from '../contracts/datasets';

/** Everything that decides a training result besides the architecture. */
export interface TrainingProtocol {
  dataset: DatasetName;
  /** Samples taken (seeded) from the training set for training and for validation. */
  trainSize: number;
  valSize: number;
  /** Test samples evaluated after the last epoch; 0 skips the test evaluation. */
  testSize: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'momentum' | 'rmsprop';
  learningRate: number;
  lrSchedule: 'constant' | 'cosine';
  augmentation: 'none' | 'flip-shift';
  seed: number;
}

export const DEFAULT_PROTOCOL: TrainingProtocol = {
  dataset: 'fashion-mnist',
  trainSize: 5000,
  valSize: 1000,
  testSize: 2000,
  epochs: 2,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 1e-3,
  lrSchedule: 'constant',
  augmentation: 'none',
  seed: 1,
};

export function protocolHash(protocol: TrainingProtocol): string {
  return stableHash(protocol);
}
