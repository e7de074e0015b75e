/**
 * The final evaluation of a search (workflows/finalize.ts): its best K candidates and chosen
 * baselines, each trained R times under a final protocol with R training seeds. The data split
 * follows the final protocol's seed and stays fixed; repeat r trains with seed protocol.seed + r
 * (the trial's own seed column, not part of the protocol hash), so repeat 0 is the training any
 * other run of that protocol did, and (architecture, protocol, seed) is trained once anywhere.
 */
import { stableHash } from '../contracts/hash.ts';
import type { Architecture, InputShape } from '../contracts/genotypes.ts';
import { datasetShape } from '../contracts/datasets.ts';
import type { TrialRole } from '../contracts/trial-role.ts';
import { protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import type { BaselineEntry, TrainerRecord } from './request.ts';

export const DEFAULT_FINAL_REPEATS = 3;
/** Images of the training set held out for validation in the default final protocol. */
export const FINAL_VALIDATION_SIZE = 5000;

export interface FinalizeRequest {
  /** The final evaluation's own record and workflow id (finalIdOf). */
  finalId: string;
  /** The search whose candidates are evaluated. */
  searchId: string;
  /** Candidates taken from the search's leaderboard (its metric, its final fidelity). */
  top: number;
  /** Trainings per architecture, seeds protocol.seed + 0 .. repeats - 1. */
  repeats: number;
  /** Hand-designed networks trained beside the candidates (index: their registry position). */
  baselines: BaselineEntry[];
  protocol: TrainingProtocol;
  parallel: number;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
  /** The in-process trainer it was started with (the search's, for --finalize-top), which `nas search resume` starts again. */
  trainer?: TrainerRecord;
}

/** What a search request carries to finalize itself when its loop ends (`--finalize-top K`). */
export interface SearchFinalize {
  top: number;
  repeats: number;
  baselines: BaselineEntry[];
  protocol: TrainingProtocol;
}

/**
 * The default final protocol: the search protocol's fields, trained on the whole training set
 * but a validation split of 5,000 images (a fifth of a smaller training set) and evaluated on the whole test set.
 */
export function defaultFinalProtocol(search: TrainingProtocol): TrainingProtocol {
  const { trainSamples, testSamples } = datasetShape(search);
  // A small dataset of the user's keeps a fifth of its training set for validation.
  const valSize = Math.min(FINAL_VALIDATION_SIZE, Math.max(1, Math.floor(trainSamples / 5)));
  return { ...search, trainSize: trainSamples - valSize, valSize, testSize: testSamples };
}

export function repeatSeed(protocol: TrainingProtocol, repeat: number): number {
  return protocol.seed + repeat;
}

/**
 * The id of a final evaluation: the search id (cut to 44 characters) and a hash of what decides
 * its trainings, so the same request names the same run (a rerun follows or reuses it) and
 * another protocol, K, R or set of baselines names another one.
 */
export function finalIdOf(
  searchId: string,
  request: Pick<FinalizeRequest, 'protocol' | 'top' | 'repeats' | 'baselines'>,
): string {
  const key = stableHash({
    searchId,
    protocol: protocolHash(request.protocol),
    top: request.top,
    repeats: request.repeats,
    baselines: request.baselines.map((b) => b.name),
  });
  return `${searchId.slice(0, 44)}-final-${key.slice(0, 8)}`;
}

/** A candidate of the search, as the orchestration activity finalCandidates returns it. */
export interface Candidate {
  archHash: string;
  architecture: Architecture;
}

export interface FinalTrial {
  trialIndex: number;
  architecture: Architecture;
  protocol: TrainingProtocol;
  fidelity: 0;
  role: TrialRole;
  seed: number;
  baselineName?: string;
}

/**
 * Every training of the evaluation, repeats of one architecture together: candidate k (best
 * first) repeat r is trial k·R + r; baseline b is trial (K + b)·R + r, whatever number of
 * candidates the search had, so the indices of a request never change.
 */
export function finalPlan(request: FinalizeRequest, candidates: readonly Candidate[]): FinalTrial[] {
  const { repeats, protocol } = request;
  const trials: FinalTrial[] = [];
  candidates.slice(0, request.top).forEach((candidate, k) => {
    for (let r = 0; r < repeats; r++) {
      trials.push({
        trialIndex: k * repeats + r,
        architecture: candidate.architecture,
        protocol,
        fidelity: 0,
        role: 'final',
        seed: repeatSeed(protocol, r),
      });
    }
  });
  request.baselines.forEach((baseline, b) => {
    for (let r = 0; r < repeats; r++) {
      trials.push({
        trialIndex: (request.top + b) * repeats + r,
        architecture: baseline.architecture,
        protocol,
        fidelity: 0,
        role: 'baseline',
        seed: repeatSeed(protocol, r),
        baselineName: baseline.name,
      });
    }
  });
  return trials;
}

/** The final evaluation a search asks for in its request (`--finalize-top K`), run when its loop ends. */
export function finalizeRequestOf(search: {
  searchId: string;
  finalize: SearchFinalize;
  parallel: number;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
  trainer?: TrainerRecord;
}): FinalizeRequest {
  const { searchId, finalize, parallel, input, classes, trainerTaskQueue, trainer } = search;
  const request = { finalId: finalIdOf(searchId, finalize), searchId, ...finalize, parallel, input, classes };
  return { ...request, trainerTaskQueue, ...(trainer ? { trainer } : {}) };
}

/** Trainings a request plans at most. */
export function plannedFinalTrials(request: Pick<FinalizeRequest, 'top' | 'repeats' | 'baselines'>): number {
  return (request.top + request.baselines.length) * request.repeats;
}
