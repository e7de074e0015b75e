/**
 * The numbers of every trial of a run that the run page's summary and charts are computed from:
 * no descriptions, no kept-weights lookups, nothing only the trial table shows.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { architectures, trials } from '../schema.ts';
import type { Trial } from './trials.ts';

export type RunTrialPoint = Pick<
  Trial,
  | 'id'
  | 'trialIndex'
  | 'status'
  | 'role'
  | 'archHash'
  | 'protocolHash'
  | 'valAccuracy'
  | 'finishedAt'
  | 'reward'
  | 'fidelity'
  | 'strategySummary'
> & {
  params: number;
  flops: number;
  /** A baseline training's name (its architecture's description when it has none); null for other trials. */
  baselineLabel: string | null;
};

/** In trial-index order. */
export async function listRunTrialPoints(db: Database, searchId: string): Promise<RunTrialPoint[]> {
  const rows = await db
    .select({
      id: trials.id,
      trialIndex: trials.trialIndex,
      status: trials.status,
      role: trials.role,
      archHash: trials.archHash,
      protocolHash: trials.protocolHash,
      valAccuracy: trials.valAccuracy,
      finishedAt: trials.finishedAt,
      reward: trials.reward,
      fidelity: trials.fidelity,
      strategySummary: trials.strategySummary,
      params: trials.params,
      flops: trials.flops,
      baselineLabel: sql<
        string | null
      >`case when ${trials.role} = 'baseline' then coalesce(${trials.baselineName}, ${architectures.description}) end`,
    })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .where(eq(trials.searchId, searchId))
    .orderBy(asc(trials.trialIndex));
  return rows.map((r) => ({ ...r, params: Number(r.params), flops: Number(r.flops) }));
}
