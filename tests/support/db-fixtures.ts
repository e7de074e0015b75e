import type { Architecture } from '../../contracts/genotypes.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { TrialRole } from '../../contracts/trial-role.ts';
import type { Database } from '../../db/client.ts';
import { upsertArchitecture, upsertProtocol } from '../../db/queries/architectures.ts';
import { upsertSearch } from '../../db/queries/searches.ts';
import { enqueueTrial, finishTrial, markTrialRunning, type TrialEnding } from '../../db/queries/trials.ts';

export const PROTOCOL_A: TrainingProtocol = {
  dataset: 'fashion-mnist',
  trainSize: 500,
  valSize: 100,
  testSize: 0,
  epochs: 1,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 1e-3,
  lrSchedule: 'constant',
  augmentation: 'none',
  seed: 1,
};
export const PROTOCOL_B: TrainingProtocol = { ...PROTOCOL_A, epochs: 3 };

const BASELINE_GENOTYPE: Architecture = { family: 'baseline', version: 1, name: 'lenet5' };

/** Registers both protocols and `count` architectures arch-<n> (params and flops grow with n). */
export async function seedCatalogue(db: Database, count = 6): Promise<void> {
  await upsertProtocol(db, 'proto-a', PROTOCOL_A);
  await upsertProtocol(db, 'proto-b', PROTOCOL_B);
  for (let n = 0; n < count; n++) {
    await upsertArchitecture(db, {
      hash: `arch-${n}`,
      family: 'baseline',
      genotype: BASELINE_GENOTYPE,
      description: `architecture ${n}`,
      params: 1000 * (n + 1),
      flops: 50_000 * (n + 1),
    });
  }
}

export async function createSearch(
  db: Database,
  id: string,
  kind: 'search' | 'baselines' | 'final' = 'search',
  config: unknown = { space: 'nasnet', trials: 10 },
): Promise<void> {
  await upsertSearch(db, {
    id,
    kind,
    space: 'nasnet',
    strategy: 'random',
    seed: 7,
    trialsRequested: 10,
    config,
  });
}

export interface TrialSpec {
  index: number;
  arch: number;
  /** A protocol hash registered beforehand (seedCatalogue registers proto-a and proto-b). */
  protocol?: string;
  baselineName?: string;
  role?: TrialRole;
  /** Training seed of the repeat; default the protocol's (1). */
  seed?: number;
}

/** Enqueues a trial with the architecture's cost; returns its id. */
export async function addTrial(db: Database, searchId: string, spec: TrialSpec): Promise<string> {
  const id = `${searchId}/${spec.index}`;
  await enqueueTrial(db, {
    id,
    searchId,
    trialIndex: spec.index,
    archHash: `arch-${spec.arch}`,
    protocolHash: spec.protocol ?? 'proto-a',
    params: 1000 * (spec.arch + 1),
    flops: 50_000 * (spec.arch + 1),
    baselineName: spec.baselineName,
    role: spec.role,
    seed: spec.seed,
  });
  return id;
}

/** Runs a trial through running to `outcome` as a trainer would. */
export async function runTrial(db: Database, id: string, outcome: TrialEnding): Promise<void> {
  await markTrialRunning(db, id, { worker: 'w1', backend: 'cpu', device: 'cpu0' });
  if (!(await finishTrial(db, id, outcome))) throw new Error(`fixture: could not finish ${id}`);
}
