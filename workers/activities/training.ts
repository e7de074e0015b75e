/**
 * The training activity: trains one trial on this worker's tfjs backend,
 * heartbeating progress, checkpointing every epoch to the database (a retry
 * on another worker resumes from there) and writing the result idempotently.
 */
import { resolve } from 'node:path';
import { Context, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../../db/client.ts';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../../db/queries/checkpoints.ts';
import { saveTrainedWeights } from '../../db/queries/trained-weights.ts';
import {
  finishTrial,
  getTrial,
  latencyColumns,
  latencyOf,
  listEpochs,
  markTrialRunning,
  recordEpoch,
  type Trial,
  type TrialEnding,
} from '../../db/queries/trials.ts';
import { ROLES_KEEPING_WEIGHTS, type TrialRole } from '../../contracts/trial-role.ts';
import { modelWeightsOnly } from '../../engine/checkpoint.ts';
import { isTerminal, type TrialState } from '../../contracts/trial-state.ts';
import type { BackendPreference } from '../../engine/backend.ts';
import { defaultDataDir } from '../../engine/data/fashion-mnist.ts';
import { loadDataset } from '../../engine/data/datasets.ts';
import { DatasetFileError, type LoadedDataset } from '../../engine/data/image-set.ts';
import { IdxFormatError } from '../../engine/data/idx.ts';
import { splitDataset, type ProtocolData } from '../../engine/data/split.ts';
import { TrainingCancelledError, type BatchProgress } from '../../engine/loop.ts';
import { runTraining, trainingDataOf, type TrainingHooks, type TrainingJob } from '../../engine/run-training.ts';
import { runTrainingInThread } from '../../engine/thread-runner.ts';
import { startHeartbeatPulse } from './heartbeat-pulse.ts';
import { latencyDevice, type LatencyFigures, type LatencyOptions } from '../../engine/latency.ts';
import type {
  TrainingActivities,
  TrialLatency,
  TrainTrialInput,
  TrainTrialResult,
} from '../../contracts/activities.ts';

export interface TrainingActivityDeps {
  db: Database;
  /** Identity written on the trial row. */
  worker: string;
  backend: string;
  device: string;
  /** Fashion-MNIST directory; default NAS_DATA_DIR or /usr/share/datasets/fashion-mnist. Other datasets name their own. */
  dataDir?: string;
  /** Longest gap between heartbeats while training (default 2000 ms). */
  heartbeatMs?: number;
  /** How long a training may report no progress before its heartbeats stop and Temporal retries it (default 10 min). */
  stallLimitMs?: number;
  /**
   * Train each trial in a worker thread of its own (default for the wasm and cpu backends). The
   * native tensorflow backend trains on the activity's thread: it is not known to load in workers.
   */
  trainInThread?: boolean;
  /** Roles whose succeeded trials keep their trained weights for export (default final and baseline). */
  keepWeightsOf?: readonly TrialRole[];
  /** How the inference latency is measured before each training (engine/latency.ts defaults); numbers only, it crosses to the training thread. */
  latencyOptions?: Omit<LatencyOptions, 'now'>;
  /** Threads one training computes on (engine/parallel-step.ts), default 1. */
  threads?: number;
  log?: (line: string) => void;
}

export const DEFAULT_KEEP_WEIGHTS_OF: readonly TrialRole[] = ROLES_KEEPING_WEIGHTS;

/** What a trainer heartbeats; on a retry `Context.info.heartbeatDetails` holds the last one. */
export interface TrainingHeartbeat {
  phase: BatchProgress['phase'] | 'setup';
  epoch: number;
  batch: number;
  batches: number;
  loss: number | null;
  /** Last epoch whose checkpoint is in the database, -1 before the first. */
  checkpointEpoch: number;
}

export function createTrainingActivities(deps: TrainingActivityDeps): TrainingActivities {
  const pulseOptions = { gapMs: deps.heartbeatMs ?? 2000, stallLimitMs: deps.stallLimitMs ?? 10 * 60_000 };
  const log = deps.log ?? (() => {});
  const trainInThread = deps.trainInThread ?? deps.backend !== 'tensorflow';
  const keepWeightsOf = deps.keepWeightsOf ?? DEFAULT_KEEP_WEIGHTS_OF;
  const { db } = deps;

  return {
    async trainTrial(input: TrainTrialInput): Promise<TrainTrialResult> {
      const ctx = Context.current();
      const existing = await requireTrial(db, input.trialId);
      if (isTerminal(existing.status as TrialState)) return storedResult(db, existing);

      let checkpointEpoch = -1;
      const pulse = startHeartbeatPulse<Omit<TrainingHeartbeat, 'checkpointEpoch'>>(
        (details) => ctx.heartbeat({ ...details, checkpointEpoch } satisfies TrainingHeartbeat),
        { phase: 'setup', epoch: 0, batch: 0, batches: 0, loss: null },
        pulseOptions,
      );
      try {
        const on = { worker: deps.worker, backend: deps.backend, device: deps.device };
        if (!(await markTrialRunning(db, input.trialId, on))) {
          return storedResult(db, await requireTrial(db, input.trialId));
        }
        const data = await loadProtocolData(input, deps.dataDir);
        const stored = await loadCheckpoint(db, input.trialId);
        /** The newest stored checkpoint: after the last epoch, the trained weights. */
        let newest = stored;
        const job: TrainingJob = {
          trialId: input.trialId,
          architecture: input.architecture,
          archHash: input.archHash,
          protocol: input.protocol,
          trainingSeed: input.seed ?? input.protocol.seed,
          data: trainingDataOf(data),
          checkpoint: stored?.bytes ?? null,
          latency: { maxBatch1Ms: input.maxLatencyMs, options: deps.latencyOptions },
          threads: deps.threads,
        };
        const hooks: TrainingHooks = {
          signal: ctx.cancellationSignal,
          onStart: (startEpoch) => {
            checkpointEpoch = startEpoch - 1;
            if (ctx.info.attempt > 1) {
              const last = ctx.info.heartbeatDetails ? JSON.stringify(ctx.info.heartbeatDetails) : 'none';
              log(
                `trial ${input.trialId}: attempt ${ctx.info.attempt} resumes at epoch ${startEpoch} (last heartbeat: ${last})`,
              );
            }
            pulse.beatNow({ phase: 'setup', epoch: startEpoch, batch: 0, batches: 0, loss: null });
          },
          onProgress: (progress) => {
            pulse.progressed(progress);
          },
          onEpoch: async (metrics, checkpoint) => {
            await recordEpoch(db, input.trialId, metrics);
            await saveCheckpoint(db, input.trialId, metrics.epoch, checkpoint);
            newest = { epoch: metrics.epoch, bytes: checkpoint };
            checkpointEpoch = metrics.epoch;
            pulse.beatNow({ phase: 'val', epoch: metrics.epoch, batch: 0, batches: 0, loss: metrics.valLoss });
          },
          onUnusableCheckpoint: async (reason) => {
            log(`trial ${input.trialId}: ignoring unusable checkpoint (${reason}); training from scratch`);
            await deleteCheckpoint(db, input.trialId);
            newest = null;
          },
        };
        try {
          const run = trainInThread
            ? await runTrainingInThread(job, deps.backend as BackendPreference, hooks)
            : await runTraining(job, hooks);
          const latency = run.latency && trialLatency(run.latency, deps.device);
          if (run.overLatency) return await endOverLatency(db, input, existing, latency!, deps, log);
          const { startEpoch, outcome } = run;
          if (outcome.microBatchSize < job.protocol.batchSize) {
            log(
              `trial ${input.trialId}: batches of ${job.protocol.batchSize} accumulated over micro-batches of at most ${outcome.microBatchSize}`,
            );
          }
          const previous = (await listEpochs(db, input.trialId)).filter((e) => e.epoch < startEpoch);
          // An epoch whose validation loss is NaN diverged before it was recorded.
          const epochs = [...previous, ...outcome.epochs.filter((e) => Number.isFinite(e.valLoss))];
          const last = epochs[epochs.length - 1];
          const result: TrainTrialResult = {
            trialId: input.trialId,
            status: outcome.status,
            valAccuracy: outcome.status === 'succeeded' ? (last?.valAccuracy ?? null) : null,
            testAccuracy: outcome.testAccuracy,
            epochs,
            params: existing.params,
            flops: existing.flops,
            trainSeconds: previous.reduce((sum, e) => sum + e.seconds, 0) + outcome.trainSeconds,
            samplesPerSecond: outcome.samplesPerSecond,
            backend: deps.backend,
            device: deps.device,
            worker: deps.worker,
            latency,
          };
          const ending: TrialEnding = {
            status: result.status,
            valAccuracy: result.valAccuracy,
            testAccuracy: result.testAccuracy,
            trainSeconds: result.trainSeconds,
            // On the activity's thread (tfjs-node) that thread's time is not the training's alone.
            cpuSeconds: trainInThread ? run.cpuSeconds : null,
            samplesPerSecond: result.samplesPerSecond,
            backend: deps.backend,
            device: deps.device,
            worker: deps.worker,
            ...latencyColumns(latency),
          };
          const keep = keepWeightsOf.includes(existing.role) || input.keepWeights === true;
          const kept = result.status === 'succeeded' && keep ? newest : null;
          // The trained weights are written with the ending, in one transaction: a trial has them exactly when it succeeded.
          const changed = kept
            ? await db.transaction(async (tx) => {
                const ended = await finishTrial(tx, input.trialId, ending);
                if (ended) await saveTrainedWeights(tx, input.trialId, kept.epoch, modelWeightsOnly(kept.bytes));
                return ended;
              })
            : await finishTrial(db, input.trialId, ending);
          await deleteCheckpoint(db, input.trialId);
          log(
            `trial ${input.trialId}: ${result.status}, val ${result.valAccuracy ?? '-'}, ${result.trainSeconds.toFixed(1)} s`,
          );
          return changed ? result : storedResult(db, await requireTrial(db, input.trialId));
        } catch (err) {
          if (err instanceof TrainingCancelledError) {
            // The workflow records the cancellation; the checkpoint stays for a possible retry.
            throw err.reason instanceof CancelledFailure ? err.reason : new CancelledFailure(err.message);
          }
          if (err instanceof Error && (err.name === 'GenotypeError' || err.name === 'GraphShapeError')) {
            throw ApplicationFailure.nonRetryable(
              `trial ${input.trialId}: invalid architecture: ${err.message}`,
              'GenotypeError',
            );
          }
          if (isOutOfMemory(err)) {
            throw ApplicationFailure.nonRetryable(
              `trial ${input.trialId}: out of memory while training (${(err as Error).message.split('\n')[0]}); ` +
                `a smaller protocol.batchSize or a smaller architecture would fit`,
              'OutOfMemory',
            );
          }
          throw err;
        }
      } finally {
        pulse.stop();
      }
    },
  };
}

const OUT_OF_MEMORY =
  /out of memory|\bOOM\b|ResourceExhausted|Array buffer allocation failed|Maximum memory size exceeded|Cannot enlarge memory|^RuntimeError: Aborted\(/i;

/**
 * Allocation failures of the tfjs backends (wasm heap, JS buffers, TensorFlow's ResourceExhausted).
 * The release wasm build reports an exhausted heap only as `RuntimeError: Aborted()`.
 */
export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && OUT_OF_MEMORY.test(`${err.name}: ${err.message}`);
}

export async function requireTrial(db: Database, trialId: string): Promise<Trial> {
  const row = await getTrial(db, trialId);
  if (!row) {
    throw ApplicationFailure.nonRetryable(
      `trial ${trialId} does not exist; prepareTrial must record it first`,
      'TrialMissing',
    );
  }
  return row;
}

/** The result of a trial that already ended: a repeated or late activity does not train again. */
export async function storedResult(db: Database, row: Trial): Promise<TrainTrialResult> {
  const measuredOverBudget = row.status === 'over_budget' && row.latencyMs !== null;
  if (row.status !== 'succeeded' && row.status !== 'diverged' && !measuredOverBudget) {
    throw ApplicationFailure.nonRetryable(
      `trial ${row.id} already ended as ${row.status}; not training it`,
      'TrialEnded',
    );
  }
  return {
    trialId: row.id,
    status: row.status as TrainTrialResult['status'],
    valAccuracy: row.valAccuracy,
    testAccuracy: row.testAccuracy,
    epochs: await listEpochs(db, row.id),
    params: row.params,
    flops: row.flops,
    trainSeconds: row.trainSeconds ?? 0,
    samplesPerSecond: row.samplesPerSecond ?? 0,
    backend: row.backend ?? '',
    device: row.device ?? '',
    worker: row.worker ?? '',
    latency: latencyOf(row),
    error: row.error,
  };
}

function trialLatency(figures: LatencyFigures, backendDevice: string): TrialLatency {
  return {
    ms: figures.batch1Ms,
    batchMs: figures.batchMs,
    batchSize: figures.batchSize,
    device: latencyDevice(backendDevice),
  };
}

/** Rounded for messages: 3 significant digits. */
const ms = (value: number) => `${Number(value.toPrecision(3))} ms`;

/** `--max-latency`: the trial ends over_budget untrained (no epochs), its measured latency and the reason recorded. */
export async function endOverLatency(
  db: Database,
  input: TrainTrialInput,
  existing: Trial,
  latency: TrialLatency,
  on: Pick<TrainingActivityDeps, 'backend' | 'device' | 'worker'>,
  log: (line: string) => void = () => {},
): Promise<TrainTrialResult> {
  const error = `latency ${ms(latency.ms)} at batch 1 exceeds the budget of ${ms(input.maxLatencyMs!)} (--max-latency), measured on ${latency.device}`;
  const ending: TrialEnding = {
    status: 'over_budget',
    error,
    backend: on.backend,
    device: on.device,
    worker: on.worker,
    ...latencyColumns(latency),
  };
  const changed = await finishTrial(db, input.trialId, ending);
  await deleteCheckpoint(db, input.trialId);
  log(`trial ${input.trialId}: over_budget: ${error}`);
  if (!changed) return storedResult(db, await requireTrial(db, input.trialId));
  return {
    trialId: input.trialId,
    status: 'over_budget',
    valAccuracy: null,
    testAccuracy: null,
    epochs: [],
    params: existing.params,
    flops: existing.flops,
    trainSeconds: 0,
    samplesPerSecond: 0,
    backend: on.backend,
    device: on.device,
    worker: on.worker,
    latency,
    error,
  };
}

/**
 * The trial's data; a problem of the dataset's files fails the trial at once (DataError, not
 * retried: a missing or corrupt file, or an image that does not decode, is not going to be right on
 * the next attempt) naming the path. An allocation failure or a transient I/O error is thrown as it
 * is and retried.
 */
export async function loadProtocolData(
  input: Pick<TrainTrialInput, 'trialId' | 'protocol'>,
  dataDir: string | undefined,
): Promise<ProtocolData> {
  const dir =
    input.protocol.dataset === 'fashion-mnist'
      ? resolve(dataDir ?? defaultDataDir())
      : input.protocol.dataset.slice(input.protocol.dataset.indexOf(':') + 1);
  let dataset: LoadedDataset;
  try {
    dataset = await loadDataset(input.protocol, resolve(dataDir ?? defaultDataDir()));
  } catch (err) {
    if (isDataDirError(err)) throw dataFailure(input, dir, err as Error);
    throw err;
  }
  try {
    return splitDataset(dataset, input.protocol);
  } catch (err) {
    if (err instanceof RangeError && !isOutOfMemory(err)) throw dataFailure(input, dir, err);
    throw err;
  }
}

/** File-system errors that stay the same on a retry. */
const LASTING_FS_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

function isDataDirError(err: unknown): boolean {
  if (err instanceof IdxFormatError || err instanceof DatasetFileError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && LASTING_FS_ERRORS.has(code);
}

function dataFailure(
  input: Pick<TrainTrialInput, 'trialId' | 'protocol'>,
  dir: string,
  err: Error,
): ApplicationFailure {
  const name =
    input.protocol.dataset === 'fashion-mnist' ? `Fashion-MNIST in ${dir} (NAS_DATA_DIR)` : input.protocol.dataset;
  const where = err.message.includes(dir) ? '' : `${name}: `;
  return ApplicationFailure.nonRetryable(`trial ${input.trialId}: ${where}${err.message}`, 'DataError');
}
