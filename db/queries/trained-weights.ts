/**
 * Trained weights kept for export (trial_weights), one row per succeeded trial, written once in
 * the transaction that ends the trial. A final trial that ended before that table existed kept
 * its last epoch's checkpoint row instead; loadTrainedWeights reads either.
 */
import { and, desc, eq, like, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { architectures, checkpoints, trials, trialWeights } from '../schema.ts';
import type { Trial } from './trials.ts';

/** Base64 text decoded by the server: see db/queries/checkpoints.ts for why. */
const fromBase64 = (bytes: Uint8Array) =>
  sql`decode(${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}, 'base64')`;

function decoded(base64: string): Uint8Array {
  const buffer = Buffer.from(base64, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Whether the trial row has kept weights (what loadTrainedWeights would find), as a column of a query on trials. */
export const hasKeptWeights = sql<boolean>`(exists (select 1 from ${trialWeights} where ${trialWeights.trialId} = ${trials.id})
  or (${trials.status} = 'succeeded' and exists (select 1 from ${checkpoints} where ${checkpoints.trialId} = ${trials.id})))`;

/**
 * Stores a trial's trained weights; a repeated write for the same trial (a retried activity
 * whose first attempt already wrote them) keeps the row that is there. Returns whether it wrote.
 */
export async function saveTrainedWeights(
  db: Database,
  trialId: string,
  epoch: number,
  bytes: Uint8Array,
): Promise<boolean> {
  const stored = await db
    .insert(trialWeights)
    .values({ trialId, epoch, weights: fromBase64(bytes) })
    .onConflictDoNothing({ target: trialWeights.trialId })
    .returning({ trialId: trialWeights.trialId });
  return stored.length > 0;
}

export interface TrainedWeights {
  epoch: number;
  bytes: Uint8Array;
  /** 'weights': trial_weights; 'checkpoint': the last checkpoint a final trial kept before trial_weights existed. */
  source: 'weights' | 'checkpoint';
}

/** The trial's kept weights, or null. Only a succeeded trial's checkpoint counts as trained weights. */
export async function loadTrainedWeights(db: Database, trialId: string): Promise<TrainedWeights | null> {
  const [row] = await db
    .select({ epoch: trialWeights.epoch, base64: sql<string>`encode(${trialWeights.weights}, 'base64')` })
    .from(trialWeights)
    .where(eq(trialWeights.trialId, trialId));
  if (row) return { epoch: row.epoch, bytes: decoded(row.base64), source: 'weights' };
  const [kept] = await db
    .select({ epoch: checkpoints.epoch, base64: sql<string>`encode(${checkpoints.weights}, 'base64')` })
    .from(checkpoints)
    .innerJoin(trials, eq(trials.id, checkpoints.trialId))
    .where(and(eq(checkpoints.trialId, trialId), eq(trials.status, 'succeeded')));
  return kept ? { epoch: kept.epoch, bytes: decoded(kept.base64), source: 'checkpoint' } : null;
}

/**
 * Succeeded trials of the architectures whose hash starts with `hashPrefix`, those with kept
 * weights first (final, then baseline, then search; the best test, then validation accuracy
 * first), then those without.
 */
export async function trialsOfArchitecture(
  db: Database,
  hashPrefix: string,
): Promise<{ trial: Trial; hasWeights: boolean }[]> {
  const hasWeights = sql<boolean>`(${trialWeights.trialId} is not null or ${checkpoints.trialId} is not null)`;
  const rows = await db
    .select({ trial: trials, hasWeights })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .leftJoin(trialWeights, eq(trialWeights.trialId, trials.id))
    .leftJoin(checkpoints, eq(checkpoints.trialId, trials.id))
    .where(and(like(architectures.hash, `${hashPrefix}%`), eq(trials.status, 'succeeded')))
    .orderBy(
      desc(hasWeights),
      sql`case ${trials.role} when 'final' then 0 when 'baseline' then 1 else 2 end`,
      sql`${trials.testAccuracy} desc nulls last`,
      sql`${trials.valAccuracy} desc nulls last`,
      trials.id,
    );
  return rows.map((r) => ({ trial: r.trial, hasWeights: Boolean(r.hasWeights) }));
}
