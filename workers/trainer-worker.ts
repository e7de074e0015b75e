import os from 'node:os';
import { join } from 'node:path';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Database } from '../db/client.ts';
import { createScreeningActivities } from './activities/screening.ts';
import { createSimulatedTrainingActivities } from './activities/simulated-training.ts';
import { createTrainingActivities } from './activities/training.ts';
import { createSharingActivities } from './activities/weight-sharing.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from './task-queues.ts';
import { selectBackend, type BackendPreference, type SelectedBackend } from '../engine/backend.ts';
import { SIMULATED_BACKEND, simulationSettings } from '../search/simulated-training.ts';

/** A tfjs backend, or the simulated trainer of benchmarks (workers/activities/simulated-training.ts). */
export type TrainerBackend = BackendPreference | typeof SIMULATED_BACKEND;

export interface TrainerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Database;
  taskQueue?: string;
  backend?: TrainerBackend;
  /** Trainings run at once in this process; tfjs on CPU gains nothing from more than 1. */
  concurrency?: number;
  /** Threads one training computes on (engine/parallel-step.ts); default 1 (README: Training backends). */
  threads?: number;
  identity?: string;
  dataDir?: string;
  /** Checkpoint files of weight-sharing searches' shared networks; default `${NAS_HOME ?? .nas}/sharing`. */
  sharingDir?: string;
  log?: (line: string) => void;
}

export function defaultWorkerIdentity(role: string): string {
  return `${role}-${process.pid}@${os.hostname()}`;
}

export async function createTrainerWorker(options: TrainerWorkerOptions): Promise<Worker> {
  const identity = options.identity ?? defaultWorkerIdentity('trainer');
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TRAINER_TASK_QUEUE,
    identity,
    maxConcurrentActivityTaskExecutions: options.concurrency ?? 1,
    // On SIGTERM the worker stops polling and gives a running trial this long to finish;
    // after that it is cancelled and Temporal retries it from its last checkpoint elsewhere.
    shutdownGraceTime: '20 seconds',
    activities: await trainingActivities(options, identity),
  });
}

/** Trainings and the screening of proposals (`--screen`): both build candidates' networks. */
async function trainingActivities(options: TrainerWorkerOptions, identity: string) {
  if (options.backend === SIMULATED_BACKEND) {
    options.log?.('backend: simulated trainer (no training: waits and reports synthetic accuracies)');
    // Screening computes real proxies: on a backend chosen the first time a batch is scored.
    let selected: Promise<SelectedBackend> | undefined;
    return {
      ...createSimulatedTrainingActivities({
        db: options.db,
        worker: identity,
        settings: simulationSettings(process.env),
      }),
      ...createScreeningActivities({
        db: options.db,
        dataDir: options.dataDir,
        backend: () => (selected ??= selectBackend('auto', { log: options.log })),
      }),
    };
  }
  const selected = await selectBackend(options.backend ?? 'auto', { log: options.log });
  const { backend, device } = selected;
  const threads = options.threads ?? 1;
  if (backend !== 'tensorflow') options.log?.(`trainer: each training computes on ${threads} thread(s)`);
  return {
    ...createTrainingActivities({
      threads,
      db: options.db,
      worker: identity,
      backend,
      device,
      dataDir: options.dataDir,
      log: options.log,
    }),
    ...createScreeningActivities({ db: options.db, dataDir: options.dataDir, backend: async () => selected }),
    ...createSharingActivities({
      sharingDir: options.sharingDir ?? join(process.env.NAS_HOME || '.nas', 'sharing'),
      dataDir: options.dataDir,
      log: options.log,
    }),
  };
}
