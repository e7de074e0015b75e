/**
 * What the simulated trainer reports for a training, without training: per-epoch accuracies that
 * rise with the images seen towards a ceiling set by the architecture's synthetic quality
 * (search/synthetic-objective.ts over its family's space; a seeded draw for architectures outside
 * it), seeded noise, and how long each epoch takes. A device for benchmarks and strategy studies,
 * not a result about architectures: the same architecture, protocol and seeds give the same numbers.
 */
import { efficientNetSpace } from '../cells/efficientnet/index.ts';
import { nasnetSpace } from '../cells/nasnet/index.ts';
import type { Architecture, DecisionSpace } from '../contracts/genotypes.ts';
import type { EpochMetrics, TrialLatency } from '../contracts/activities.ts';
import { plateauEpochs } from '../contracts/plateau.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { RequestError } from '../contracts/request-error.ts';
import { makeRng, type Rng } from '../numeric/rng.ts';
import { syntheticObjective, type SyntheticObjective } from './synthetic-objective.ts';

export interface SimulationSettings {
  /** Fixed wait per epoch. */
  epochMs: number;
  /**
   * Multiply-adds per second of the simulated device: adds 3 x FLOPs x training images / rate per
   * epoch, and gives the inference latency FLOPs x batch / rate (simulatedLatency); null: neither.
   */
  macsPerSecond: number | null;
  /** Standard deviation of the noise on each accuracy (a fraction, 0.01 = 1 point). */
  noise: number;
  /** Seed of the synthetic objective: another seed, another landscape. */
  seed: number;
}

export const DEFAULT_SIMULATION: SimulationSettings = { epochMs: 0, macsPerSecond: null, noise: 0.01, seed: 1 };

export const SIMULATED_BACKEND = 'simulated' as const;

const VARIABLES: Record<keyof SimulationSettings, string> = {
  epochMs: 'NAS_SIMULATED_EPOCH_MS',
  macsPerSecond: 'NAS_SIMULATED_MACS_PER_SECOND',
  noise: 'NAS_SIMULATED_NOISE',
  seed: 'NAS_SIMULATED_SEED',
};

/** The settings the variables give; a bad value is a RequestError naming its variable. */
export function simulationSettings(env: Record<string, string | undefined>): SimulationSettings {
  const read = (field: keyof SimulationSettings, check: (n: number) => boolean, what: string): number | undefined => {
    const text = env[VARIABLES[field]];
    if (text === undefined || text.trim() === '') return undefined;
    const value = Number(text);
    if (!check(value)) throw new RequestError(VARIABLES[field], `must be ${what}, got ${JSON.stringify(text)}`);
    return value;
  };
  const nonNegative = (n: number) => Number.isFinite(n) && n >= 0;
  return {
    epochMs: read('epochMs', nonNegative, 'a number of milliseconds >= 0') ?? DEFAULT_SIMULATION.epochMs,
    macsPerSecond:
      read('macsPerSecond', (n) => Number.isFinite(n) && n > 0, 'a positive number of multiply-adds per second') ??
      DEFAULT_SIMULATION.macsPerSecond,
    noise: read('noise', nonNegative, 'a standard deviation >= 0 (0.01 = 1 point)') ?? DEFAULT_SIMULATION.noise,
    seed: read('seed', Number.isInteger, 'an integer') ?? DEFAULT_SIMULATION.seed,
  };
}

export interface SimulatedTraining {
  epochs: EpochMetrics[];
  testAccuracy: number | null;
  /** The wait of each epoch. */
  epochMs: number;
}

/** Accuracy after infinitely many images: 0.55 .. 0.95 as the synthetic quality goes 0.5 .. 1. */
const ceilingOf = (quality: number) => 0.55 + 0.8 * (Math.min(1, Math.max(0.5, quality)) - 0.5);
/** Images after which a training has covered 1 - 1/e of the way from chance to its ceiling. */
const LEARNING_SCALE = 20_000;
const CHANCE = 0.1;

const objectives = new Map<string, SyntheticObjective>();

function spaceOf(architecture: Architecture): DecisionSpace | null {
  if (architecture.family === 'nasnet')
    return nasnetSpace({ blocks: architecture.normal.blocks.length, network: architecture.network });
  if (architecture.family === 'efficientnet') return efficientNetSpace();
  return null;
}

/** The synthetic quality in [0.5, 1] of the architecture (its family's objective, else a seeded draw). */
export function simulatedQuality(architecture: Architecture, archHash: string, seed: number): number {
  try {
    const space = spaceOf(architecture);
    if (space) {
      const key = `${seed}/${space.id}`;
      if (!objectives.has(key)) objectives.set(key, syntheticObjective(space, seed));
      return objectives.get(key)!.score(space.encode(architecture));
    }
  } catch (err) {
    if (!(err instanceof Error && err.name === 'GenotypeError')) throw err;
  }
  return 0.5 + 0.5 * makeRng(`simulated-quality/${seed}/${archHash}`).next();
}

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

export function simulateTraining(
  job: {
    architecture: Architecture;
    archHash: string;
    protocol: TrainingProtocol;
    trainingSeed: number;
    flops: number;
  },
  settings: SimulationSettings,
): SimulatedTraining {
  const { protocol } = job;
  const ceiling = ceilingOf(simulatedQuality(job.architecture, job.archHash, settings.seed));
  const rng = makeRng(`simulated-training/${settings.seed}/${job.archHash}/${protocol.seed}/${job.trainingSeed}`);
  const computeMs =
    settings.macsPerSecond === null ? 0 : (3 * job.flops * protocol.trainSize * 1000) / settings.macsPerSecond;
  const epochMs = settings.epochMs + computeMs;
  const curve = Array.from({ length: protocol.epochs }, (_, epoch): EpochMetrics => {
    const expected = CHANCE + (ceiling - CHANCE) * (1 - Math.exp(-((epoch + 1) * protocol.trainSize) / LEARNING_SCALE));
    const valAccuracy = clamp(expected + settings.noise * gaussian(rng));
    const trainAccuracy = clamp(expected + 0.02 + settings.noise * gaussian(rng));
    return {
      epoch,
      trainLoss: 2.3 * (1 - trainAccuracy) + 0.05,
      trainAccuracy,
      valLoss: 2.3 * (1 - valAccuracy) + 0.1,
      valAccuracy,
      seconds: epochMs / 1000,
    };
  });
  // A plateau budget ends the simulated curve where the rule stops a real training.
  const epochs = protocol.plateau
    ? curve.slice(
        0,
        plateauEpochs(
          curve.map((e) => e.valAccuracy),
          protocol.plateau,
          protocol.epochs,
        ),
      )
    : curve;
  const last = epochs[epochs.length - 1];
  const testAccuracy = protocol.testSize > 0 ? clamp(last.valAccuracy - 0.005 + settings.noise * gaussian(rng)) : null;
  return { epochs, testAccuracy, epochMs };
}

/**
 * The inference latency the simulated device reports: FLOPs (multiply-adds) x images / rate, at
 * batch 1 and at the protocol's batch; null without NAS_SIMULATED_MACS_PER_SECOND (not measured).
 */
export function simulatedLatency(flops: number, batchSize: number, settings: SimulationSettings): TrialLatency | null {
  const rate = settings.macsPerSecond;
  if (rate === null) return null;
  return {
    ms: (flops * 1000) / rate,
    batchMs: (flops * batchSize * 1000) / rate,
    batchSize,
    device: `simulated (${rate} multiply-adds/s)`,
  };
}
