import { and, asc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { canTransition, isTerminal, TRIAL_STATES, type TrialState } from '../../contracts/trial-state.ts';
import { trialIdOf } from '../../contracts/trial-id.ts';
import type { EpochMetrics, StrategySummary, TrialLatency } from '../../contracts/activities.ts';
import { ROLES_KEEPING_WEIGHTS, type TrialRole } from '../../contracts/trial-role.ts';
import type { Database } from '../client.ts';
import { protocols, trialEpochs, trials } from '../schema.ts';
import { hasKeptWeights } from './trained-weights.ts';

export type Trial = typeof trials.$inferSelect;
export type TerminalTrialState = Exclude<TrialState, 'queued' | 'running'>;

export interface NewTrial {
  /** Must be `${searchId}/${trialIndex}`. */
  id: string;
  searchId: string;
  trialIndex: number;
  archHash: string;
  protocolHash: string;
  params: number;
  flops: number;
  fidelity?: number;
  baselineName?: string | null;
  /** Default: 'baseline' with a baselineName, else 'search'. */
  role?: TrialRole;
  /** The repeat's training seed; default the protocol's seed (one training per protocol). */
  seed?: number;
  strategySummary?: StrategySummary | null;
}

/** What ending a trial writes to its row (the workflow sees the result as contracts TrialOutcome). */
export interface TrialEnding {
  status: TerminalTrialState;
  valAccuracy?: number | null;
  testAccuracy?: number | null;
  reward?: number | null;
  trainSeconds?: number | null;
  /** CPU time of the training thread in the attempt that ended the trial (null: not measured). */
  cpuSeconds?: number | null;
  samplesPerSecond?: number | null;
  backend?: string | null;
  device?: string | null;
  worker?: string | null;
  /** Inference latency the trainer measured (contracts TrialLatency). */
  latencyMs?: number | null;
  latencyBatchMs?: number | null;
  latencyBatchSize?: number | null;
  latencyDevice?: string | null;
  error?: string | null;
  /** Required with status 'reused': the trial whose result this one takes. */
  reusedFrom?: string | null;
}

export interface RunningOn {
  worker: string;
  backend: string;
  device: string;
}

/** The states from which a trial may move to `to`, per contracts/trial-state. */
function statesLeadingTo(to: TrialState): TrialState[] {
  return TRIAL_STATES.filter((from) => canTransition(from, to));
}

/** Accuracy/reward that is NaN or infinite means "none": store null so it never ranks. */
function finiteOrNull(value: number | null | undefined): number | null | undefined {
  return value === undefined || value === null || Number.isFinite(value) ? value : null;
}

/**
 * Creates the trial as 'queued' unless it exists; returns the row as it is now.
 * Re-enqueueing the same id with another architecture or protocol is an error
 * (a search id reused for a different search, or a non-deterministic strategy).
 */
export async function enqueueTrial(db: Database, trial: NewTrial): Promise<Trial> {
  const expectedId = trialIdOf(trial.searchId, trial.trialIndex);
  if (trial.id !== expectedId) {
    throw new Error(`trial id: '${trial.id}' must be '${expectedId}' (searchId/trialIndex)`);
  }
  const protocolSeed = sql<number>`coalesce((select (${protocols.protocol}->>'seed')::int from ${protocols} where ${protocols.hash} = ${trial.protocolHash}), 0)`;
  await db
    .insert(trials)
    .values({
      ...trial,
      fidelity: trial.fidelity ?? 0,
      baselineName: trial.baselineName ?? null,
      role: trial.role ?? (trial.baselineName ? 'baseline' : 'search'),
      seed: trial.seed ?? protocolSeed,
      status: 'queued',
    })
    .onConflictDoNothing();
  const row = await getTrial(db, trial.id);
  if (!row) throw new Error(`trial ${trial.id}: row vanished right after insert`);
  const otherSeed = trial.seed !== undefined && row.seed !== trial.seed;
  if (row.archHash !== trial.archHash || row.protocolHash !== trial.protocolHash || otherSeed) {
    throw new Error(
      `trial ${trial.id}: already recorded with architecture ${row.archHash} / protocol ${row.protocolHash}` +
        `${otherSeed ? ` / seed ${row.seed}` : ''}, not ${trial.archHash} / ${trial.protocolHash}${otherSeed ? ` / seed ${trial.seed}` : ''}`,
    );
  }
  return row;
}

export async function getTrial(db: Database, id: string): Promise<Trial | null> {
  const [row] = await db.select().from(trials).where(eq(trials.id, id));
  return row ?? null;
}

export async function listTrials(db: Database, searchId: string): Promise<Trial[]> {
  return db.select().from(trials).where(eq(trials.searchId, searchId)).orderBy(asc(trials.trialIndex));
}

/**
 * The earliest finished trial, of any search and any role but `shared` (a weight-sharing score is
 * no training), that trained the same architecture
 * under the same protocol with the same training seed itself (succeeded or diverged, not reused):
 * one training per (architecture, protocol, seed). `withWeights`: not a search training that kept
 * no weights, so that a trial that must keep weights (final, baseline) never takes its result from
 * one that has none to export (a final or baseline training keeps them wherever its trainer can).
 */
export async function findReusableTrial(
  db: Database,
  archHash: string,
  protocolHash: string,
  seed: number,
  exceptTrialId: string,
  options: { withWeights?: boolean } = {},
): Promise<Trial | null> {
  const [row] = await db
    .select()
    .from(trials)
    .where(
      and(
        eq(trials.archHash, archHash),
        eq(trials.protocolHash, protocolHash),
        eq(trials.seed, seed),
        inArray(trials.status, ['succeeded', 'diverged']),
        isNull(trials.reusedFrom),
        ne(trials.role, 'shared'),
        ne(trials.id, exceptTrialId),
        options.withWeights
          ? or(eq(trials.status, 'diverged'), inArray(trials.role, ROLES_KEEPING_WEIGHTS), hasKeptWeights)
          : undefined,
      ),
    )
    .orderBy(asc(trials.finishedAt), asc(trials.id))
    .limit(1);
  return row ?? null;
}

/**
 * Marks an attempt as started: attempts + 1, first start time kept.
 * Returns the updated row, or null when the trial is missing or already ended
 * (the caller should then not train).
 */
export async function markTrialRunning(db: Database, id: string, on: RunningOn): Promise<Trial | null> {
  const [row] = await db
    .update(trials)
    .set({
      status: 'running',
      attempts: sql`${trials.attempts} + 1`,
      startedAt: sql`coalesce(${trials.startedAt}, now())`,
      worker: on.worker,
      backend: on.backend,
      device: on.device,
    })
    .where(and(eq(trials.id, id), inArray(trials.status, statesLeadingTo('running'))))
    .returning();
  return row ?? null;
}

/** Stores one epoch of the learning curve; a repeated write of the same epoch replaces it. */
export async function recordEpoch(db: Database, trialId: string, metrics: EpochMetrics): Promise<void> {
  const values = {
    trainLoss: metrics.trainLoss,
    trainAccuracy: metrics.trainAccuracy,
    valLoss: metrics.valLoss,
    valAccuracy: metrics.valAccuracy,
    seconds: metrics.seconds,
  };
  await db
    .insert(trialEpochs)
    .values({ trialId, epoch: metrics.epoch, ...values })
    .onConflictDoUpdate({ target: [trialEpochs.trialId, trialEpochs.epoch], set: values });
}

export async function listEpochs(db: Database, trialId: string): Promise<EpochMetrics[]> {
  return db
    .select({
      epoch: trialEpochs.epoch,
      trainLoss: trialEpochs.trainLoss,
      trainAccuracy: trialEpochs.trainAccuracy,
      valLoss: trialEpochs.valLoss,
      valAccuracy: trialEpochs.valAccuracy,
      seconds: trialEpochs.seconds,
    })
    .from(trialEpochs)
    .where(eq(trialEpochs.trialId, trialId))
    .orderBy(asc(trialEpochs.epoch));
}

/** For a reused trial, the source's metrics fill whatever the caller did not give. */
async function withReusedMetrics(db: Database, outcome: TrialEnding): Promise<TrialEnding> {
  if (!outcome.reusedFrom) {
    throw new Error(`finishTrial: status 'reused' needs reusedFrom (the trial id whose result is reused)`);
  }
  const source = await getTrial(db, outcome.reusedFrom);
  if (!source) throw new Error(`finishTrial: reusedFrom trial '${outcome.reusedFrom}' does not exist`);
  const copied = {
    valAccuracy: source.valAccuracy,
    testAccuracy: source.testAccuracy,
    reward: source.reward,
    trainSeconds: source.trainSeconds,
    cpuSeconds: source.cpuSeconds,
    samplesPerSecond: source.samplesPerSecond,
    backend: source.backend,
    device: source.device,
    worker: source.worker,
    latencyMs: source.latencyMs,
    latencyBatchMs: source.latencyBatchMs,
    latencyBatchSize: source.latencyBatchSize,
    latencyDevice: source.latencyDevice,
  };
  const given = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined));
  return { ...copied, ...given, status: 'reused' };
}

/**
 * Ends a trial, only if contracts/trial-state allows the move from its current
 * state (a late or repeated write never changes a terminal trial).
 * Returns whether the row changed.
 */
export async function finishTrial(db: Database, id: string, outcome: TrialEnding): Promise<boolean> {
  if (!TRIAL_STATES.includes(outcome.status) || !isTerminal(outcome.status)) {
    const allowed = TRIAL_STATES.filter((s) => isTerminal(s)).join(', ');
    throw new Error(`finishTrial status: '${outcome.status}' is not a final state; allowed: ${allowed}`);
  }
  const full = outcome.status === 'reused' ? await withReusedMetrics(db, outcome) : outcome;
  const changed = await db
    .update(trials)
    .set({
      ...full,
      valAccuracy: finiteOrNull(full.valAccuracy),
      testAccuracy: finiteOrNull(full.testAccuracy),
      reward: finiteOrNull(full.reward),
      finishedAt: sql`now()`,
    })
    .where(and(eq(trials.id, id), inArray(trials.status, statesLeadingTo(full.status))))
    .returning({ id: trials.id });
  return changed.length > 0;
}

async function endOpenTrials(
  db: Database,
  searchId: string,
  status: 'cancelled' | 'failed',
  reason: string,
): Promise<number> {
  const open = statesLeadingTo(status).filter((s) => !isTerminal(s));
  const ended = await db
    .update(trials)
    .set({ status, error: reason, finishedAt: sql`now()` })
    .where(and(eq(trials.searchId, searchId), inArray(trials.status, open)))
    .returning({ id: trials.id });
  return ended.length;
}

/** Queued or running trials of the search become 'cancelled' with `reason`; returns how many. */
export function cancelOpenTrials(db: Database, searchId: string, reason: string): Promise<number> {
  return endOpenTrials(db, searchId, 'cancelled', reason);
}

/** Queued or running trials of the search become 'failed' with `error`; returns how many. */
export function failOpenTrials(db: Database, searchId: string, error: string): Promise<number> {
  return endOpenTrials(db, searchId, 'failed', error);
}

/**
 * Stores the reward the search's objective gives a finished trial (a reused trial gets its own
 * search's reward, not its source's). Writing the same value again changes nothing.
 */
export async function recordTrialReward(db: Database, trialId: string, reward: number): Promise<boolean> {
  const value = finiteOrNull(reward);
  const changed = await db
    .update(trials)
    .set({ reward: value })
    .where(eq(trials.id, trialId))
    .returning({ id: trials.id });
  return changed.length > 0;
}

/** A trial row's latency columns from a trainer's measurement (all null when none). */
export function latencyColumns(
  latency: TrialLatency | null | undefined,
): Pick<TrialEnding, 'latencyMs' | 'latencyBatchMs' | 'latencyBatchSize' | 'latencyDevice'> {
  return {
    latencyMs: latency?.ms ?? null,
    latencyBatchMs: latency?.batchMs ?? null,
    latencyBatchSize: latency?.batchSize ?? null,
    latencyDevice: latency?.device ?? null,
  };
}

/** The latency of a trial row, null when it has none. */
export function latencyOf(
  row: Pick<Trial, 'latencyMs' | 'latencyBatchMs' | 'latencyBatchSize' | 'latencyDevice'>,
): TrialLatency | null {
  if (row.latencyMs === null || row.latencyMs === undefined) return null;
  return {
    ms: row.latencyMs,
    batchMs: row.latencyBatchMs ?? row.latencyMs,
    batchSize: row.latencyBatchSize ?? 1,
    device: row.latencyDevice ?? '',
  };
}
