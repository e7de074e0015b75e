/**
 * The reference set of the default NASNet space (issue 28): architectures drawn uniformly with a
 * seeded generator, each trained under a fixed reference protocol and under the README's cheap
 * search protocol, the first few also under the reference protocol with a second training seed
 * (the seed-to-seed agreement is the ceiling of any estimator). workflows/reference.ts trains the
 * plan through the trial pool; results are reused per (architecture, protocol hash, seed).
 */
import { architectureHash } from '../cells/architecture.ts';
import { sampleNasnet } from '../cells/nasnet/index.ts';
import type { InputShape, NasnetArchitecture } from '../contracts/genotypes.ts';
import { stableHash } from '../contracts/hash.ts';
import { DEFAULT_PROTOCOL, protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { makeRng } from '../numeric/rng.ts';

/** Seed of the README's commands (the architectures, the data split and the first training seed). */
export const DEFAULT_REFERENCE_SEED = 7;
export const DEFAULT_REFERENCE_ARCHITECTURES = 100;
export const DEFAULT_SECOND_SEED_ARCHITECTURES = 30;
/** A Temporal history of about a dozen events per training stays far below its 50K-event limit. */
export const MAX_REFERENCE_ARCHITECTURES = 1000;

/**
 * 12,000 training images, one epoch of batch 32: 375 optimizer steps; 2,000 validation images;
 * tested on all 10,000 test images. The other fields are a new protocol's defaults.
 */
export function referenceProtocol(seed: number): TrainingProtocol {
  return { ...DEFAULT_PROTOCOL, trainSize: 12_000, valSize: 2_000, testSize: 10_000, epochs: 1, batchSize: 32, seed };
}

/** The README's search protocol (2,000 training images, 500 validation, 1,000 test, one epoch of batch 16: 125 steps). */
export function cheapProtocol(seed: number): TrainingProtocol {
  return { ...DEFAULT_PROTOCOL, trainSize: 2_000, valSize: 500, testSize: 1_000, epochs: 1, batchSize: 16, seed };
}

/** Optimizer steps of a protocol (the last batch of an epoch may be short). */
export function optimizerSteps(protocol: TrainingProtocol): number {
  return Math.ceil(protocol.trainSize / protocol.batchSize) * protocol.epochs;
}

export interface ReferenceRequest {
  /** The run's record and workflow id (referenceIdOf). */
  referenceId: string;
  /** Seeds the architecture draws, both protocols' data splits, and the first training seed. */
  seed: number;
  architectures: number;
  /** The first this many architectures are also trained under the reference protocol with seed + 1. */
  secondSeed: number;
  reference: TrainingProtocol;
  cheap: TrainingProtocol;
  parallel: number;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
}

/** Kinds of training per architecture, in the order they are started; the index is the trial offset. */
export const REFERENCE_TRAININGS = ['reference', 'cheap', 'reference-seed2'] as const;
export type ReferenceTraining = (typeof REFERENCE_TRAININGS)[number];
const PER_ARCHITECTURE = REFERENCE_TRAININGS.length;

/**
 * The i-th architecture drawn: every decision of the default NASNet space uniform, from one
 * stream seeded by `seed`, a draw equal to an earlier one skipped. The first n of a longer list
 * are the n of a shorter one, so a larger build extends a smaller.
 */
export function referenceArchitectures(seed: number, count: number): NasnetArchitecture[] {
  const rng = makeRng(`reference/nasnet/${seed}`);
  const drawn: NasnetArchitecture[] = [];
  const seen = new Set<string>();
  while (drawn.length < count) {
    const architecture = sampleNasnet(() => rng.next());
    const hash = architectureHash(architecture);
    if (seen.has(hash)) continue;
    seen.add(hash);
    drawn.push(architecture);
  }
  return drawn;
}

export interface ReferenceTrial {
  trialIndex: number;
  architectureIndex: number;
  training: ReferenceTraining;
  architecture: NasnetArchitecture;
  protocol: TrainingProtocol;
  seed: number;
  fidelity: 0;
  role: 'search';
}

/** Architecture i's training of kind k is trial 3i + k, whatever the request's counts. */
export function referenceTrialIndex(architectureIndex: number, training: ReferenceTraining): number {
  return architectureIndex * PER_ARCHITECTURE + REFERENCE_TRAININGS.indexOf(training);
}

export function trainingOfTrialIndex(trialIndex: number): { architectureIndex: number; training: ReferenceTraining } {
  return {
    architectureIndex: Math.floor(trialIndex / PER_ARCHITECTURE),
    training: REFERENCE_TRAININGS[trialIndex % PER_ARCHITECTURE],
  };
}

/** The protocol and training seed of one kind of training. */
export function trainingSetup(
  request: Pick<ReferenceRequest, 'reference' | 'cheap'>,
  training: ReferenceTraining,
): { protocol: TrainingProtocol; seed: number } {
  switch (training) {
    case 'reference':
      return { protocol: request.reference, seed: request.reference.seed };
    case 'cheap':
      return { protocol: request.cheap, seed: request.cheap.seed };
    case 'reference-seed2':
      return { protocol: request.reference, seed: request.reference.seed + 1 };
  }
}

/**
 * Every training, architecture by architecture: its reference training, its cheap one, and for
 * the first `secondSeed` its second reference seed. A build stopped after k architectures has
 * both protocols for all k and the second seed for min(k, secondSeed) of them.
 */
export function referencePlan(
  request: Pick<ReferenceRequest, 'seed' | 'architectures' | 'secondSeed' | 'reference' | 'cheap'>,
): ReferenceTrial[] {
  return referenceArchitectures(request.seed, request.architectures).flatMap((architecture, i) =>
    REFERENCE_TRAININGS.filter((training) => training !== 'reference-seed2' || i < request.secondSeed).map(
      (training) => ({
        trialIndex: referenceTrialIndex(i, training),
        architectureIndex: i,
        training,
        architecture,
        ...trainingSetup(request, training),
        fidelity: 0 as const,
        role: 'search' as const,
      }),
    ),
  );
}

export function plannedReferenceTrials(request: Pick<ReferenceRequest, 'architectures' | 'secondSeed'>): number {
  return request.architectures * 2 + Math.min(request.secondSeed, request.architectures);
}

/** One id per request: the same request follows or reuses its run, another count or protocol names another. */
export function referenceIdOf(
  request: Pick<ReferenceRequest, 'seed' | 'architectures' | 'secondSeed' | 'reference' | 'cheap'>,
): string {
  const key = stableHash({
    seed: request.seed,
    architectures: request.architectures,
    secondSeed: request.secondSeed,
    reference: protocolHash(request.reference),
    cheap: protocolHash(request.cheap),
  });
  return `reference-nasnet-s${request.seed}-${key.slice(0, 8)}`;
}
