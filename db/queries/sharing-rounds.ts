/**
 * A weight-sharing search's rounds, from its `shared` trials (each keeps its round's summary): the
 * shared network's training curve (mean loss and accuracy of each round's steps), the controller's
 * entropy after the round's update, the round's scores, and what its two phases cost in CPU time.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { trials } from '../schema.ts';

export interface SharingRound {
  round: number;
  /** Training steps of the shared network done by the end of the round. */
  sharedStep: number;
  trainLoss: number;
  trainAccuracy: number;
  /** 'controller' or 'uniform': who sampled the round's training architectures. */
  trainedOn: string;
  /** Mean entropy per decision of the controller's softmaxes along the round's scored samples; null in the uniform arm. */
  entropyPerDecision: number | null;
  scored: number;
  meanScore: number;
  bestScore: number;
  /** CPU seconds of the round's training and scoring phases on the trainer; null where not recorded. */
  trainCpuSeconds: number | null;
  scoreCpuSeconds: number | null;
}

export async function sharingRounds(db: Database, searchId: string): Promise<SharingRound[]> {
  // Keys inline (constants of this file): as bound parameters, GROUP BY would not match the selected `round`.
  const key = (name: string) => sql.raw(`'${name}'`);
  const field = (name: string) => sql`${trials.strategySummary}->>${key(name)}`;
  const numeric = (name: string) =>
    sql<
      number | null
    >`max(case when jsonb_typeof(${trials.strategySummary}->${key(name)}) = 'number' then (${field(name)})::float8 end)`;
  const round = sql<number>`(${field('round')})::int`;
  const rows = await db
    .select({
      round: round.as('round'),
      sharedStep: numeric('sharedStep'),
      trainLoss: numeric('trainLoss'),
      trainAccuracy: numeric('trainAccuracy'),
      trainedOn: sql<string>`max(${field('trainedOn')})`,
      entropyPerDecision: numeric('entropyPerDecision'),
      scored: sql<number>`count(*)::int`,
      meanScore: sql<number>`avg(${trials.valAccuracy})::float8`,
      bestScore: sql<number>`max(${trials.valAccuracy})::float8`,
      trainCpuSeconds: numeric('trainCpuSeconds'),
      scoreCpuSeconds: numeric('scoreCpuSeconds'),
    })
    .from(trials)
    .where(and(eq(trials.searchId, searchId), eq(trials.role, 'shared')))
    .groupBy(round)
    .orderBy(round);
  return rows.map((r) => ({
    round: Number(r.round),
    sharedStep: Number(r.sharedStep),
    trainLoss: Number(r.trainLoss),
    trainAccuracy: Number(r.trainAccuracy),
    trainedOn: r.trainedOn,
    entropyPerDecision: r.entropyPerDecision === null ? null : Number(r.entropyPerDecision),
    scored: Number(r.scored),
    meanScore: Number(r.meanScore),
    bestScore: Number(r.bestScore),
    trainCpuSeconds: r.trainCpuSeconds === null ? null : Number(r.trainCpuSeconds),
    scoreCpuSeconds: r.scoreCpuSeconds === null ? null : Number(r.scoreCpuSeconds),
  }));
}
