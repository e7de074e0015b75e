import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { TrialState } from '../../contracts/trial-state.ts';
import type { Database } from '../client.ts';
import { scalingPoints, scalingStudies, trialEpochs, trials } from '../schema.ts';
import { SCALING_METHODS, type ScalingMethod, type ScalingStatus } from '../vocabulary.ts';

export type ScalingStudy = typeof scalingStudies.$inferSelect;

export interface NewScalingStudy {
  id: string;
  /** The base architecture (hash or baseline name) the study scales. */
  base: string;
  config: unknown;
  status?: ScalingStatus;
}

export interface ScalingPoint {
  studyId: string;
  method: ScalingMethod;
  phi: number;
  alpha: number;
  beta: number;
  gamma: number;
  /** Which training of the point; absent: 0. */
  repeat?: number;
  trialId: string;
}

export interface ScalingPointResult extends ScalingPoint {
  repeat: number;
  status: TrialState;
  valAccuracy: number | null;
  testAccuracy: number | null;
  params: number;
  flops: number;
  trainSeconds: number | null;
  /** Epochs of its learning curve (a reused trial's: its source's); 0 when none is recorded. */
  epochs: number;
  /** Validation accuracy of the last epoch minus the one before; null with fewer than 2 epochs. */
  finalEpochGain: number | null;
}

/** Records the study once; a repeated call returns the existing row unchanged. */
export async function upsertScalingStudy(db: Database, study: NewScalingStudy): Promise<ScalingStudy> {
  await db
    .insert(scalingStudies)
    .values({ ...study, status: study.status ?? 'running' })
    .onConflictDoNothing({ target: scalingStudies.id });
  const row = await getScalingStudy(db, study.id);
  if (!row) throw new Error(`scaling study ${study.id}: row vanished right after insert`);
  return row;
}

export async function getScalingStudy(db: Database, id: string): Promise<ScalingStudy | null> {
  const [row] = await db.select().from(scalingStudies).where(eq(scalingStudies.id, id));
  return row ?? null;
}

/** Ends a running study (with the chosen coefficients, if any); an ended study never changes. */
export async function finishScalingStudy(
  db: Database,
  id: string,
  status: Exclude<ScalingStatus, 'running'>,
  chosen: unknown = null,
): Promise<boolean> {
  const changed = await db
    .update(scalingStudies)
    .set({ status, chosen, finishedAt: sql`now()` })
    .where(and(eq(scalingStudies.id, id), notInArray(scalingStudies.status, ['finished', 'stopped', 'failed'])))
    .returning({ id: scalingStudies.id });
  return changed.length > 0;
}

/** Links a point of the study to its trial; recording the same point again changes nothing. */
export async function recordScalingPoint(db: Database, point: ScalingPoint): Promise<void> {
  if (!SCALING_METHODS.includes(point.method)) {
    throw new Error(`scaling point method: '${point.method}' is not one of ${SCALING_METHODS.join(', ')}`);
  }
  await db.insert(scalingPoints).values(point).onConflictDoNothing();
}

export async function listScalingPoints(db: Database, studyId: string): Promise<ScalingPointResult[]> {
  const rows = await db
    .select({
      studyId: scalingPoints.studyId,
      method: scalingPoints.method,
      phi: scalingPoints.phi,
      alpha: scalingPoints.alpha,
      beta: scalingPoints.beta,
      gamma: scalingPoints.gamma,
      repeat: scalingPoints.repeat,
      trialId: scalingPoints.trialId,
      status: trials.status,
      valAccuracy: trials.valAccuracy,
      testAccuracy: trials.testAccuracy,
      params: trials.params,
      flops: trials.flops,
      trainSeconds: trials.trainSeconds,
      reusedFrom: trials.reusedFrom,
    })
    .from(scalingPoints)
    .innerJoin(trials, eq(trials.id, scalingPoints.trialId))
    .where(eq(scalingPoints.studyId, studyId))
    .orderBy(
      asc(scalingPoints.method),
      asc(scalingPoints.phi),
      asc(scalingPoints.alpha),
      asc(scalingPoints.beta),
      asc(scalingPoints.gamma),
      asc(scalingPoints.repeat),
    );
  const curves = await validationCurves(db, [...new Set(rows.map((r) => r.reusedFrom ?? r.trialId))]);
  return rows.map(({ reusedFrom, ...row }) => {
    const curve = curves.get(reusedFrom ?? row.trialId) ?? [];
    const n = curve.length;
    return { ...row, epochs: n, finalEpochGain: n >= 2 ? curve[n - 1] - curve[n - 2] : null };
  });
}

/** Validation accuracies per epoch of each trial, in epoch order. */
async function validationCurves(db: Database, trialIds: string[]): Promise<Map<string, number[]>> {
  const curves = new Map<string, number[]>();
  if (trialIds.length === 0) return curves;
  const rows = await db
    .select({ trialId: trialEpochs.trialId, valAccuracy: trialEpochs.valAccuracy })
    .from(trialEpochs)
    .where(inArray(trialEpochs.trialId, trialIds))
    .orderBy(asc(trialEpochs.trialId), asc(trialEpochs.epoch));
  for (const { trialId, valAccuracy } of rows) curves.set(trialId, [...(curves.get(trialId) ?? []), valAccuracy]);
  return curves;
}
