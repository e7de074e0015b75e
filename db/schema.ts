import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { Architecture, Family } from '../contracts/genotypes.ts';
import { ZERO_COST_PROXIES, type ZeroCostProxy } from '../contracts/estimators.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { TRIAL_ROLES, type TrialRole } from '../contracts/trial-role.ts';
import { TRIAL_STATES, type TrialState } from '../contracts/trial-state.ts';
import type { StrategySummary } from '../contracts/activities.ts';
import {
  SCALING_METHODS,
  SCALING_STATUSES,
  SEARCH_KINDS,
  SEARCH_STATUSES,
  type ScalingMethod,
  type ScalingStatus,
  type SearchKind,
  type SearchStatus,
} from './vocabulary.ts';

/** bytea as Uint8Array on both drivers (postgres-js returns Buffer, PGlite Uint8Array). */
const bytes = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const cost = (name: string) => bigint(name, { mode: 'number' });

function oneOf(column: { name: string }, values: readonly string[]) {
  return sql.raw(`"${column.name}" in (${values.map((v) => `'${v}'`).join(', ')})`);
}

export const searches = pgTable(
  'searches',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<SearchKind>().notNull(),
    status: text('status').$type<SearchStatus>().notNull(),
    space: text('space').notNull(),
    strategy: text('strategy').notNull(),
    seed: integer('seed').notNull(),
    trialsRequested: integer('trials_requested').notNull(),
    config: jsonb('config').notNull(),
    /** Why a search ended 'failed'. */
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    check('searches_kind_check', oneOf(t.kind, SEARCH_KINDS)),
    check('searches_status_check', oneOf(t.status, SEARCH_STATUSES)),
  ],
);

export const architectures = pgTable('architectures', {
  hash: text('hash').primaryKey(),
  family: text('family').$type<Family>().notNull(),
  genotype: jsonb('genotype').$type<Architecture>().notNull(),
  description: text('description').notNull(),
  params: cost('params').notNull(),
  flops: cost('flops').notNull(),
  createdAt: createdAt(),
});

export const protocols = pgTable('protocols', {
  hash: text('hash').primaryKey(),
  protocol: jsonb('protocol').$type<TrainingProtocol>().notNull(),
});

export const trials = pgTable(
  'trials',
  {
    /** `${searchId}/${trialIndex}`: the idempotency key. */
    id: text('id').primaryKey(),
    searchId: text('search_id')
      .notNull()
      .references(() => searches.id),
    trialIndex: integer('trial_index').notNull(),
    archHash: text('arch_hash')
      .notNull()
      .references(() => architectures.hash),
    protocolHash: text('protocol_hash')
      .notNull()
      .references(() => protocols.hash),
    status: text('status').$type<TrialState>().notNull(),
    /** search, final or baseline (contracts/trial-role.ts). */
    role: text('role').$type<TrialRole>().notNull(),
    /**
     * The training seed of this repeat (initial weights, batch order, augmentation, dropout); the
     * data split follows the protocol's own seed. Trials recorded before repeats had the protocol seed.
     */
    seed: integer('seed').notNull(),
    baselineName: text('baseline_name'),
    reusedFrom: text('reused_from'),
    fidelity: integer('fidelity').notNull().default(0),
    reward: real('reward'),
    valAccuracy: real('val_accuracy'),
    testAccuracy: real('test_accuracy'),
    params: cost('params').notNull(),
    flops: cost('flops').notNull(),
    trainSeconds: real('train_seconds'),
    /** CPU time of the training thread (model build, latency, training, evaluations) in its last attempt. */
    cpuSeconds: real('cpu_seconds'),
    samplesPerSecond: real('samples_per_second'),
    backend: text('backend'),
    device: text('device'),
    worker: text('worker'),
    /** Median inference latency (ms) before training at batch 1 and at latency_batch_size, on latency_device. */
    latencyMs: real('latency_ms'),
    latencyBatchMs: real('latency_batch_ms'),
    latencyBatchSize: integer('latency_batch_size'),
    latencyDevice: text('latency_device'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    /** The proposing strategy's summary right after it proposed this candidate (search trials). */
    strategySummary: jsonb('strategy_summary').$type<StrategySummary>(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    unique('trials_search_index_unique').on(t.searchId, t.trialIndex),
    index('trials_arch_protocol_idx').on(t.archHash, t.protocolHash, t.seed),
    index('trials_search_status_idx').on(t.searchId, t.status),
    check('trials_status_check', oneOf(t.status, TRIAL_STATES)),
    check('trials_role_check', oneOf(t.role, TRIAL_ROLES)),
  ],
);

export const trialEpochs = pgTable(
  'trial_epochs',
  {
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
    epoch: integer('epoch').notNull(),
    trainLoss: real('train_loss').notNull(),
    trainAccuracy: real('train_accuracy').notNull(),
    valLoss: real('val_loss').notNull(),
    valAccuracy: real('val_accuracy').notNull(),
    seconds: real('seconds').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.epoch] })],
);

/**
 * A trial's newest epoch weights (and optimizer state), for a retry to resume from: dropped when
 * it ends. Final trials that succeeded before trial_weights existed kept theirs as trained weights.
 */
export const checkpoints = pgTable('checkpoints', {
  trialId: text('trial_id')
    .primaryKey()
    .references(() => trials.id),
  epoch: integer('epoch').notNull(),
  weights: bytes('weights').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The trained weights of a succeeded trial (final and baseline trials: the trainer's
 * keepWeightsOf): the model section of its last epoch's checkpoint, no optimizer state
 * (engine/checkpoint.ts modelWeightsOnly). Written in the transaction that ends the trial, so a
 * trial has them exactly when its training succeeded; `nas export` reads them.
 */
export const trialWeights = pgTable('trial_weights', {
  trialId: text('trial_id')
    .primaryKey()
    .references(() => trials.id),
  /** The last trained epoch (0-based). */
  epoch: integer('epoch').notNull(),
  weights: bytes('weights').notNull(),
  createdAt: createdAt(),
});

export const scalingStudies = pgTable(
  'scaling_studies',
  {
    id: text('id').primaryKey(),
    base: text('base').notNull(),
    config: jsonb('config').notNull(),
    status: text('status').$type<ScalingStatus>().notNull(),
    chosen: jsonb('chosen'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [check('scaling_studies_status_check', oneOf(t.status, SCALING_STATUSES))],
);

/**
 * One trained point of a scaling study. alpha/beta/gamma are part of the key:
 * a 'grid' study trains many (alpha, beta, gamma) at the same phi.
 */
export const scalingPoints = pgTable(
  'scaling_points',
  {
    studyId: text('study_id')
      .notNull()
      .references(() => scalingStudies.id),
    method: text('method').$type<ScalingMethod>().notNull(),
    phi: real('phi').notNull(),
    alpha: real('alpha').notNull(),
    beta: real('beta').notNull(),
    gamma: real('gamma').notNull(),
    /** Which training of the point: its seed is the protocol's seed + repeat (0 before repeats existed). */
    repeat: integer('repeat').notNull().default(0),
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
  },
  (t) => [
    primaryKey({ columns: [t.studyId, t.method, t.phi, t.alpha, t.beta, t.gamma, t.repeat] }),
    check('scaling_points_method_check', oneOf(t.method, SCALING_METHODS)),
  ],
);

/**
 * A zero-cost proxy's score of an architecture at initialisation (engine/proxies/): computed once
 * per (architecture, protocol whose training split gave the batch, batch size, proxy, seed of the
 * initial weights and the batch, version of the computation) and reused, like a training. Score
 * null: not finite.
 */
export const estimatorScores = pgTable(
  'estimator_scores',
  {
    archHash: text('arch_hash').notNull(),
    protocolHash: text('protocol_hash').notNull(),
    batchSize: integer('batch_size').notNull(),
    estimator: text('estimator').$type<ZeroCostProxy>().notNull(),
    seed: integer('seed').notNull(),
    /** contracts/estimators.ts PROXY_VERSION when it was computed. */
    version: integer('version').notNull(),
    score: doublePrecision('score'),
    /** CPU time of the thread that computed it (model build and the proxy's own passes). */
    cpuSeconds: real('cpu_seconds'),
    backend: text('backend'),
    device: text('device'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({
      name: 'estimator_scores_pk',
      columns: [t.archHash, t.protocolHash, t.batchSize, t.estimator, t.seed, t.version],
    }),
    check('estimator_scores_estimator_check', oneOf(t.estimator, ZERO_COST_PROXIES)),
  ],
);
