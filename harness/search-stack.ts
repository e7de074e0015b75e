/**
 * A real search stack for workflow tests: Temporal dev server, workflow bundle built once,
 * orchestrator and trainer workers in this process, a fresh database, tiny IDX data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Driver, DatabaseHandle } from '../db/client.ts';
import { EFFICIENTNET_COEFFICIENTS } from '../cells/efficientnet/index.ts';
import type { EfficientNetArchitecture } from '../contracts/genotypes.ts';
import type { SearchRequest } from '../search/request.ts';
import { sharingStrategy, type SharingRequest } from '../search/sharing.ts';
import type { ScalingStudyRequest } from '../search/scaling-plan.ts';
import { createOrchestrationActivities } from '../workers/activities/orchestration.ts';
import { createScalingActivities } from '../workers/activities/scaling.ts';
import { createScreeningActivities } from '../workers/activities/screening.ts';
import { createTrainingActivities } from '../workers/activities/training.ts';
import { createSharingActivities } from '../workers/activities/weight-sharing.ts';
import type { SharingActivities, TrainingActivities } from '../contracts/activities.ts';
import { WORKFLOWS_PATH } from '../workers/orchestrator-worker.ts';
import { cachedWorkflowBundle } from '../workers/workflow-bundle.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { selectBackend } from '../engine/backend.ts';
import { createTestDatabase } from './test-database.ts';
import { writeIdxFixture } from './idx-files.ts';
import { createTestEnv } from './temporal.ts';

export const TRAINER_QUEUE = 'test-trainers';

let bundle: Promise<{ code: string }> | undefined;
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= cachedWorkflowBundle(WORKFLOWS_PATH, quietLogger);
  return bundle;
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string) {
    console.error(message);
  },
};

export interface SearchStack {
  env: TestWorkflowEnvironment;
  database: DatabaseHandle;
  dataDir: string;
  /** The trainer's checkpoint files of shared networks (weight-sharing searches). */
  sharingDir: string;
  /**
   * Runs orchestrator and trainer workers while `fn` runs; the trainer takes `trainerSlots` trials
   * at once (default 1); `wrapSharing` wraps the weight-sharing phases as `wrapTraining` the training.
   */
  withWorkers<T>(
    fn: () => Promise<T>,
    wrapTraining?: (real: TrainingActivities) => TrainingActivities,
    options?: { trainerSlots?: number; wrapSharing?: (real: SharingActivities) => SharingActivities },
  ): Promise<T>;
  close(): Promise<void>;
}

export async function createSearchStack(driver: Driver = 'pglite'): Promise<SearchStack> {
  const env = await createTestEnv();
  const database = await createTestDatabase(driver);
  const dataDir = mkdtempSync(join(tmpdir(), 'nas-idx-'));
  writeIdxFixture(dataDir, { train: 400, test: 100, seed: 3 });
  const sharingDir = mkdtempSync(join(tmpdir(), 'nas-sharing-'));
  const selected = await selectBackend('auto');
  const { backend, device } = selected;
  return {
    env,
    database,
    dataDir,
    sharingDir,
    async withWorkers<T>(
      fn: () => Promise<T>,
      wrapTraining = (real: TrainingActivities) => real,
      options: { trainerSlots?: number; wrapSharing?: (real: SharingActivities) => SharingActivities } = {},
    ): Promise<T> {
      const orchestrator = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowBundle: await workflowBundle(),
        activities: { ...createOrchestrationActivities(database.db), ...createScalingActivities(database.db) },
      });
      const training = createTrainingActivities({
        db: database.db,
        worker: 'test-trainer',
        backend,
        device,
        dataDir,
        heartbeatMs: 500,
      });
      const trainer = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: TRAINER_QUEUE,
        maxConcurrentActivityTaskExecutions: options.trainerSlots ?? 1,
        activities: {
          ...wrapTraining(training),
          ...createScreeningActivities({ db: database.db, dataDir, backend: async () => selected }),
          ...(options.wrapSharing ?? ((real) => real))(
            createSharingActivities({ sharingDir, dataDir, heartbeatMs: 500 }),
          ),
        },
      });
      return orchestrator.runUntil(trainer.runUntil(fn));
    },
    async close() {
      await database.close();
      await env.teardown();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(sharingDir, { recursive: true, force: true });
    },
  };
}

export function tinySearchRequest(overrides: Partial<SearchRequest> = {}): SearchRequest {
  return {
    searchId: `test-search-${Date.now().toString(36)}`,
    space: {
      space: 'nasnet',
      blocks: 2,
      ops: ['identity', 'conv_1x1', 'max_pool_3x3', 'avg_pool_3x3', 'sep_conv_3x3'],
      network: { cellsPerStage: 1, reductions: 1, filters: 4 },
    },
    strategy: { name: 'random', dedup: true },
    trials: 3,
    parallel: 2,
    seed: 11,
    protocol: {
      dataset: 'fashion-mnist',
      trainSize: 160,
      valSize: 64,
      testSize: 64,
      epochs: 1,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 3e-3,
      lrSchedule: 'constant',
      augmentation: 'none',
      seed: 5,
    },
    budget: {},
    reward: { objective: 'accuracy' },
    input: { height: 28, width: 28, channels: 1 },
    classes: 10,
    trainerTaskQueue: TRAINER_QUEUE,
    ...overrides,
  };
}

/**
 * A weight-sharing search (`--strategy enas`) small enough for a test: a 4-filter network of one
 * cell per stage, `rounds` of 3 training steps and `candidates` scored architectures, one warm-up round.
 */
export function tinyEnasRequest(
  searchId: string,
  arm: SharingRequest['arm'],
  { seed = 11, rounds = 3, candidates = 3 } = {},
): SearchRequest {
  const sharing: SharingRequest = {
    arm,
    rounds,
    stepsPerRound: 3,
    candidates,
    warmupRounds: 1,
    learningRate: 0.05,
    validationBatches: 1,
    checkpointEvery: 3,
  };
  return tinySearchRequest({
    searchId,
    seed,
    space: {
      space: 'nasnet',
      blocks: 2,
      ops: ['identity', 'conv_1x1', 'max_pool_3x3', 'sep_conv_3x3'],
      network: { cellsPerStage: 1, reductions: 1, filters: 4 },
    },
    strategy: sharingStrategy(sharing),
    trials: rounds * candidates,
    parallel: 1,
    sharing,
  });
}

/** A two-stage EfficientNet base small enough to train in a test. */
export const TINY_EFFICIENTNET_BASE: EfficientNetArchitecture = {
  family: 'efficientnet',
  version: 1,
  stemFilters: 8,
  stages: [
    { kernel: 3, expansion: 1, repeats: 1, filters: 8, strides: 2 },
    { kernel: 3, expansion: 4, repeats: 1, filters: 16, strides: 2 },
  ],
  headFilters: 32,
  scaling: { ...EFFICIENTNET_COEFFICIENTS, phi: 0 },
};

/** A scaling study of that base under the tiny search protocol; step 0.4 leaves two grid points, (1, 1, 1.4) and (1, 1.4, 1). */
export function tinyScalingRequest(studyId: string, overrides: Partial<ScalingStudyRequest> = {}): ScalingStudyRequest {
  const { protocol, input, classes } = tinySearchRequest();
  return {
    studyId,
    baseName: 'tiny-effnet',
    base: TINY_EFFICIENTNET_BASE,
    gridStep: 0.4,
    tolerance: 0.1,
    phiMax: 1,
    parallel: 2,
    protocol,
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
    ...overrides,
  };
}
