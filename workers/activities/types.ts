/**
 * Activity contracts shared by workflows (as types only) and workers.
 * Payloads are small JSON: ids, genotypes, metrics; never weights or data.
 */
import type { Architecture } from '../../cells/types';
import type { TrainingProtocol } from '../../search/protocol';
import type { TrialState } from '../../search/trial-state';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface TrainTrialInput {
  /** Idempotency key: `${searchId}/${trialIndex}`; the trial row already exists (queued). */
  trialId: string;
  searchId: string;
  trialIndex: number;
  architecture: Architecture;
  archHash: string;
  protocol: TrainingProtocol;
  protocolHash: string;
}

export interface TrainTrialResult {
  trialId: string;
  status: Extract<TrialState, 'succeeded' | 'diverged'>;
  valAccuracy: number | null;
  testAccuracy: number | null;
  epochs: EpochMetrics[];
  params: number;
  flops: number;
  trainSeconds: number;
  samplesPerSecond: number;
  backend: string;
  device: string;
  worker: string;
}

export interface TrainingActivities {
  trainTrial(input: TrainTrialInput): Promise<TrainTrialResult>;
}
