/**
 * Activity contracts shared by workflows (as types only) and workers.
 * Payloads are small JSON: ids, genotypes, metrics; never weights or data.
 */
import type { ScreenEstimator } from './estimators.ts';
import type {
  Architecture,
  Combine,
  InputShape,
  NasnetArchitecture,
  NasnetNetwork,
  NasnetOp,
  PublishedNasnetNetwork,
} from './genotypes.ts';
import type { TrainingProtocol } from './protocol.ts';
import type { TrialRole } from './trial-role.ts';
import type { TrialState } from './trial-state.ts';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

/** One trial's training as every activity names it. */
export interface TrainTrialInput {
  /** Idempotency key: `${searchId}/${trialIndex}`; the trial row already exists (queued). */
  trialId: string;
  searchId: string;
  trialIndex: number;
  architecture: Architecture;
  archHash: string;
  protocol: TrainingProtocol;
  protocolHash: string;
  /**
   * The repeat's training seed (initial weights, batch order, augmentation, dropout); the data
   * split follows protocol.seed. Absent (trials started before repeats): protocol.seed. Reuse is
   * per (archHash, protocolHash, seed).
   */
  seed?: number;
  /** `--max-latency`: a batch-1 inference latency (ms, on the trainer) above it ends the trial over_budget before training. */
  maxLatencyMs?: number;
  /** Keep the trained weights of this trial if it succeeds (`--keep-weights all` for search trials). */
  keepWeights?: boolean;
}

/** Inference latency measured by the trainer before training: medians in milliseconds. */
export interface TrialLatency {
  /** One image per forward pass. */
  ms: number;
  /** The protocol's batch size per forward pass. */
  batchMs: number;
  batchSize: number;
  /** Backend, its set-up and the CPU model. */
  device: string;
}

export interface TrainTrialResult {
  trialId: string;
  /** over_budget: its batch-1 latency exceeded the input's maxLatencyMs; nothing was trained. */
  status: Extract<TrialState, 'succeeded' | 'diverged' | 'over_budget'>;
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
  /** Absent or null: not measured (a simulated trainer without a multiply-add rate, results from before). */
  latency?: TrialLatency | null;
  /** Why an over_budget trial was not trained. */
  error?: string | null;
}

export interface TrainingActivities {
  trainTrial(input: TrainTrialInput): Promise<TrainTrialResult>;
}

/** One batch of a search's proposals to score with a cheap estimator before any is trained (`--screen`). */
export interface ScoreCandidatesInput {
  /** With batchIndex, names the batch in logs; the scores themselves are keyed by (archHash, protocol scope, estimator). */
  searchId: string;
  batchIndex: number;
  estimator: ScreenEstimator;
  /** The search's training protocol: a proxy sees one seeded batch of its training split, at its seed's initial weights. */
  protocol: TrainingProtocol;
  candidates: Array<{ architecture: Architecture; archHash: string }>;
  input: InputShape;
  classes: number;
}

export interface ScoreCandidatesResult {
  /** One per candidate, in order; higher predicts a better accuracy; null where the estimator is undefined. */
  scores: Array<number | null>;
  /** Architectures whose proxies this call computed (the others' were recorded already, or are free). */
  computed: number;
  /** Architectures whose recorded proxies were reused. */
  reused: number;
}

/** Runs on the trainer task queue: scoring builds the candidates' networks. */
export interface ScreeningActivities {
  scoreCandidates(input: ScoreCandidatesInput): Promise<ScoreCandidatesResult>;
}

/** A strategy's own account of its state (e.g. a controller's entropy), as `Strategy.summary()` gives it. */
export type StrategySummary = Record<string, number | string>;

export interface PrepareTrialInput extends TrainTrialInput {
  fidelity: number;
  /** The proposing strategy's summary right after it proposed this candidate (search trials only). */
  strategySummary?: StrategySummary;
  baselineName?: string;
  /** Absent (histories from before roles): 'baseline' with a baselineName, else 'search'. */
  role?: TrialRole;
  budget: { maxParams?: number; maxFlops?: number };
  input: { height: number; width: number; channels: number };
  classes: number;
}

/** What the orchestrator decided for a candidate before any training. */
export type PreparedTrial =
  | { action: 'train'; params: number; flops: number }
  | { action: 'settled'; outcome: TrialOutcome };

/** The final record of a trial as the workflow sees it. */
export interface TrialOutcome {
  trialId: string;
  status: TrialState;
  valAccuracy: number | null;
  testAccuracy: number | null;
  params: number;
  flops: number;
  error: string | null;
  /** Batch-1 inference latency in ms as its trainer measured it; absent or null when not measured. */
  latencyMs?: number | null;
}

export interface SearchRecordInput {
  searchId: string;
  kind: 'search' | 'baselines' | 'scaling' | 'final' | 'reference';
  space: string;
  strategy: string;
  seed: number;
  trials: number;
  config: unknown;
}

export interface OrchestrationActivities {
  recordSearch(input: SearchRecordInput): Promise<void>;
  prepareTrial(input: PrepareTrialInput): Promise<PreparedTrial>;
  /** Ends a trial the trainer could not end itself (failed after retries, cancelled). */
  settleTrial(input: { trialId: string; status: 'failed' | 'cancelled'; error: string }): Promise<TrialOutcome>;
  finishSearch(input: { searchId: string; status: 'finished' | 'stopped' }): Promise<void>;
  setSearchStatus(input: { searchId: string; status: 'running' | 'paused' | 'stopping' }): Promise<void>;
  /** Ends the search as failed with `error` (open trials fail with it); nothing happens when it was never recorded or already ended. */
  failSearch(input: { searchId: string; error: string }): Promise<void>;
  /** Stores the reward the search's objective gives the trial; idempotent. */
  recordReward(input: { trialId: string; reward: number }): Promise<void>;
  /**
   * The best `top` discovered architectures of a search by its own metric at its final fidelity
   * (its leaderboard's order), best first; fewer when it has fewer usable results.
   */
  finalCandidates(input: { searchId: string; top: number }): Promise<FinalCandidate[]>;
  /** Records a weight-sharing round's scored architectures as succeeded trials of role `shared`; idempotent. */
  recordSharedScores(input: RecordSharedScoresInput): Promise<void>;
}

/** One architecture a weight-sharing round scored with the shared weights. */
export interface SharedScore {
  trialIndex: number;
  architecture: NasnetArchitecture;
  /** Mean validation accuracy over the round's batches: the trial's validation accuracy. */
  accuracy: number;
  loss: number;
}

export interface RecordSharedScoresInput {
  searchId: string;
  /** The search's protocol: the trials are ranked (leaderboard, finalize) under its hash. */
  protocol: TrainingProtocol;
  input: InputShape;
  classes: number;
  /** The round, its training curve and the controller after its update, kept with each trial. */
  summary: StrategySummary;
  scored: SharedScore[];
}

export interface FinalCandidate {
  archHash: string;
  architecture: Architecture;
  /** The trial whose result ranked it. */
  trialId: string;
  valAccuracy: number | null;
}

/** One point of a scaling study, linked to the trial that trained (or reused) its network. */
export interface ScalingPointRecord {
  method: 'grid' | 'compound' | 'depth' | 'width' | 'resolution';
  phi: number;
  alpha: number;
  beta: number;
  gamma: number;
  trialId: string;
  /** Which training of the point (seed protocol.seed + repeat); absent: 0. */
  repeat?: number;
}

export interface ScalingActivities {
  /** Records the study (idempotent); a rerun of an ended study reopens it. */
  recordScalingStudy(input: { studyId: string; base: string; config: unknown }): Promise<void>;
  recordScalingPoints(input: { studyId: string; points: ScalingPointRecord[] }): Promise<void>;
  finishScalingStudy(input: {
    studyId: string;
    status: 'finished' | 'stopped' | 'failed';
    chosen: unknown;
  }): Promise<void>;
}

/** The NASNet space a weight-sharing search shares weights over (cells/nasnet's NasnetSpaceConfig). */
export interface SharedNasnetSpace {
  blocks?: number;
  ops?: readonly NasnetOp[];
  combine?: readonly Combine[];
  network?: NasnetNetwork | PublishedNasnetNetwork;
}

/** What both phases of a weight-sharing search name: the shared network and the data it sees. */
export interface SharedPhaseSetup {
  /** Keys the shared network's checkpoint file on the trainer (one file per search). */
  searchId: string;
  /** Seeds the shared weights' initial values, the training batches and the scoring batches. */
  seed: number;
  space: SharedNasnetSpace;
  input: InputShape;
  classes: number;
  /** The dataset and its split (trainSize, valSize, seed); batchSize is the training and scoring batch. */
  protocol: TrainingProtocol;
}

export interface TrainSharedPhaseInput extends SharedPhaseSetup {
  /** This phase trains steps [fromStep, toStep) of the search; the checkpoint must have reached fromStep. */
  fromStep: number;
  toStep: number;
  /** One architecture per step of the phase (the controller's samples), or uniform samples seeded by `uniformSeed`. */
  architectures: { perStep: NasnetArchitecture[] } | { uniformSeed: number };
  /** Momentum SGD's learning rate, constant over the phase. */
  learningRate: number;
  /** Steps between checkpoints (default 10); the end of the phase always writes one. */
  checkpointEvery?: number;
  /** Images per forward pass (default the batch), see engine/sharing/phases.ts. */
  microBatchSize?: number;
}

export interface TrainSharedPhaseResult {
  /** Steps of the search done after the phase (toStep). */
  step: number;
  /** The step this attempt started training at: fromStep, the checkpoint's step on a retry, toStep when it trained none. */
  resumedAt: number;
  /** Loss and accuracy of each step of this phase on its batch. */
  curve: Array<{ loss: number; accuracy: number }>;
  /**
   * CPU seconds of the trainer's thread over this attempt (not an earlier, failed attempt's; what the thread interleaves
   * meanwhile, such as the embedded stack's workflow tasks, included); null where the runtime cannot tell.
   */
  cpuSeconds?: number | null;
}

export interface ScoreSharedPhaseInput extends SharedPhaseSetup {
  /** Each round draws its own validation batches, the same for every architecture of the round. */
  round: number;
  architectures: NasnetArchitecture[];
  /** Validation batches of protocol.batchSize per architecture. */
  batches: number;
}

export interface ScoreSharedPhaseResult {
  /** One per architecture, in order: the mean accuracy (the reward) and loss over the round's batches. */
  scores: Array<{ accuracy: number; loss: number }>;
  /** The step of the shared weights scored with. */
  step: number;
  /** CPU seconds of the trainer's thread over the phase, as the training phase's. */
  cpuSeconds?: number | null;
}

/** Runs on the trainer task queue; the shared weights stay in a checkpoint file on the trainer, never in a payload. */
export interface SharingActivities {
  trainSharedPhase(input: TrainSharedPhaseInput): Promise<TrainSharedPhaseResult>;
  scoreSharedPhase(input: ScoreSharedPhaseInput): Promise<ScoreSharedPhaseResult>;
}
