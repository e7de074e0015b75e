import type { DatasetDescriptor, DatasetSpec } from './datasets.ts';
import { stableHash } from './hash.ts';
import type { PlateauRule } from './plateau.ts';

export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop'] as const;
export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export const AUGMENTATIONS = ['none', 'flip-shift'] as const;

/** Everything that decides a training result besides the architecture. */
export interface TrainingProtocol {
  /** `fashion-mnist`, or `idx:`/`folder:`/`cifar10:` and an absolute directory. */
  dataset: DatasetSpec;
  /**
   * The descriptor of a dataset of the user's (contracts/datasets.ts), absent for Fashion-MNIST so
   * that its protocols keep their JSON and hash; its version makes a changed dataset another protocol.
   */
  datasetInfo?: DatasetDescriptor;
  /** Samples taken (seeded) from the training set for training and for validation. */
  trainSize: number;
  valSize: number;
  /** Test samples evaluated after the last epoch; 0 skips the test evaluation. */
  testSize: number;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  lrSchedule: (typeof LR_SCHEDULES)[number];
  augmentation: (typeof AUGMENTATIONS)[number];
  seed: number;
  /**
   * Batch-norm recalibration (engine/bn-recalibration.ts): before every evaluation the moving
   * statistics are recomputed from this many training batches; 0 or absent: off (the moving
   * averages of training are used). Optional, and in the hash only when non-zero, so that a
   * protocol recorded before it keeps its hash and its meaning.
   */
  bnRecalibrationBatches?: number;
  /**
   * The version of the training engine's numerics (ENGINE_VERSION) that trains under this protocol;
   * absent: version 1. In the hash when present, so that results of different versions are neither
   * reused nor ranked together, while protocols recorded before it keep their hash.
   */
  engineVersion?: number;
  /**
   * The plateau budget (contracts/plateau.ts): training stops once the validation accuracy has
   * levelled off, `epochs` being the cap; absent: every epoch trains. In the hash when present, so
   * results under a plateau budget and under a fixed one are never reused for or ranked with each other.
   */
  plateau?: PlateauRule;
}

/**
 * 2: 'same' convolutions on the wasm backend compute what the genotype says (kernels/explicit-same-padding.ts).
 * Version 1 trained a 1xk or kx1 kernel at stride 2 on an even size (NASNet's conv_1x3_3x1 and
 * conv_1x7_7x1 reading a reduction cell's inputs) as another function on wasm.
 */
export const ENGINE_VERSION = 2;

/**
 * Recalibration batches of new protocols: 20 batches (1,280 images at batch 64) estimate each
 * channel's mean and variance over hundreds of thousands of activations, at the cost of 20
 * forward passes (about a tenth of an epoch of the default protocol's 79 steps, forward only).
 */
export const DEFAULT_BN_RECALIBRATION_BATCHES = 20;
/** More batches than a training split holds are not used (each sample is seen once). */
export const MAX_BN_RECALIBRATION_BATCHES = 10_000;

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
  bnRecalibrationBatches: DEFAULT_BN_RECALIBRATION_BATCHES,
  engineVersion: ENGINE_VERSION,
};

/**
 * The hash results are compared under; a protocol without recalibration (or without an engine
 * version) hashes as before the field existed.
 */
export function protocolHash(protocol: TrainingProtocol): string {
  const { bnRecalibrationBatches, ...before } = protocol;
  return stableHash(bnRecalibrationBatches ? protocol : before);
}
