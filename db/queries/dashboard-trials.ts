/** What the dashboard's run and trial pages read: a run's trials with their architectures, learning curves, one trial in full. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Architecture } from '../../contracts/genotypes.ts';
import type { EpochMetrics } from '../../contracts/activities.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { Database } from '../client.ts';
import { architectures, protocols, searches, trialEpochs, trials } from '../schema.ts';
import type { Search } from './searches.ts';
import { hasKeptWeights } from './trained-weights.ts';
import type { Trial } from './trials.ts';

/** weightsKept: trained weights are stored for `nas export`. */
export type RunTrial = Trial & { description: string; family: string; weightsKept: boolean };

/** The columns of a RunTrial, for a query on trials joined with their architectures. */
export const runTrialColumns = {
  trial: trials,
  description: architectures.description,
  family: architectures.family,
  weightsKept: hasKeptWeights,
};

interface RunTrialRow {
  trial: Trial;
  description: string;
  family: string;
  weightsKept: boolean | null;
}

export function toRunTrial(row: RunTrialRow): RunTrial {
  return {
    ...row.trial,
    params: Number(row.trial.params),
    flops: Number(row.trial.flops),
    description: row.description,
    family: row.family,
    weightsKept: Boolean(row.weightsKept),
  };
}

/** A run's trials in trial-index order, each with its architecture's family and description. */
export async function listRunTrials(db: Database, searchId: string): Promise<RunTrial[]> {
  const rows = await db
    .select(runTrialColumns)
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .where(eq(trials.searchId, searchId))
    .orderBy(asc(trials.trialIndex));
  return rows.map(toRunTrial);
}

/** The learning curves of the given trials, by trial id (epochs in order). */
export async function listCurves(db: Database, trialIds: string[]): Promise<Map<string, EpochMetrics[]>> {
  const curves = new Map<string, EpochMetrics[]>();
  if (trialIds.length === 0) return curves;
  const rows = await db
    .select()
    .from(trialEpochs)
    .where(inArray(trialEpochs.trialId, trialIds))
    .orderBy(asc(trialEpochs.trialId), asc(trialEpochs.epoch));
  for (const { trialId, ...epoch } of rows) curves.set(trialId, [...(curves.get(trialId) ?? []), epoch]);
  return curves;
}

export interface TrialDetail {
  trial: Trial & { weightsKept: boolean };
  architecture: { hash: string; family: string; genotype: Architecture; description: string };
  protocol: TrainingProtocol;
  run: Pick<Search, 'id' | 'kind' | 'status' | 'config'>;
  epochs: EpochMetrics[];
}

export async function trialDetail(db: Database, trialId: string): Promise<TrialDetail | null> {
  const [row] = await db
    .select({
      trial: trials,
      weightsKept: hasKeptWeights,
      architecture: architectures,
      protocol: protocols.protocol,
      run: { id: searches.id, kind: searches.kind, status: searches.status, config: searches.config },
    })
    .from(trials)
    .innerJoin(architectures, eq(architectures.hash, trials.archHash))
    .innerJoin(protocols, eq(protocols.hash, trials.protocolHash))
    .innerJoin(searches, eq(searches.id, trials.searchId))
    .where(eq(trials.id, trialId));
  if (!row) return null;
  const epochs = (await listCurves(db, [trialId])).get(trialId) ?? [];
  const { hash, family, genotype, description } = row.architecture;
  return {
    trial: {
      ...row.trial,
      params: Number(row.trial.params),
      flops: Number(row.trial.flops),
      weightsKept: Boolean(row.weightsKept),
    },
    architecture: { hash, family, genotype, description },
    protocol: row.protocol,
    run: row.run,
    epochs,
  };
}
