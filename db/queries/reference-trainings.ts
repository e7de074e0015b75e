/**
 * The rows of a reference build: its recorded request and its trainings that ended with a
 * result, a reused one paired with the row that measured it.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { architectures, searches, trials } from '../schema.ts';
import type { Trial } from './trials.ts';

export interface MeasuredTraining {
  row: Trial;
  /** The row itself, or the training it reused. */
  source: Trial;
}

export interface ReferenceTrainings {
  request: unknown;
  measured: MeasuredTraining[];
  /** Genotype by architecture hash. */
  genotypes: Map<string, unknown>;
}

/** The newest reference build of this database, or null. */
export async function latestReferenceId(db: Database): Promise<string | null> {
  const [row] = await db
    .select({ id: searches.id })
    .from(searches)
    .where(eq(searches.kind, 'reference'))
    .orderBy(desc(searches.createdAt), desc(searches.id))
    .limit(1);
  return row?.id ?? null;
}

/** Null when no reference build has this id; trainings in trial-index order. */
export async function referenceTrainings(db: Database, referenceId: string): Promise<ReferenceTrainings | null> {
  const [run] = await db
    .select()
    .from(searches)
    .where(and(eq(searches.id, referenceId), eq(searches.kind, 'reference')));
  if (!run) return null;
  const rows = await db.select().from(trials).where(eq(trials.searchId, referenceId)).orderBy(trials.trialIndex);
  const measured = await measurementsOf(db, rows);
  const genotypes = await genotypesOf(db, [...new Set(measured.map((m) => m.row.archHash))]);
  return { request: run.config, measured, genotypes };
}

async function measurementsOf(db: Database, rows: Trial[]): Promise<MeasuredTraining[]> {
  const sourceIds = rows.flatMap((r) => (r.status === 'reused' && r.reusedFrom ? [r.reusedFrom] : []));
  const sources = sourceIds.length === 0 ? [] : await db.select().from(trials).where(inArray(trials.id, sourceIds));
  const byId = new Map(sources.map((s) => [s.id, s]));
  return rows.flatMap((row) => {
    const source = row.status === 'reused' ? byId.get(row.reusedFrom ?? '') : row;
    return source && (source.status === 'succeeded' || source.status === 'diverged') ? [{ row, source }] : [];
  });
}

async function genotypesOf(db: Database, hashes: string[]): Promise<Map<string, unknown>> {
  if (hashes.length === 0) return new Map();
  const rows = await db
    .select({ hash: architectures.hash, genotype: architectures.genotype })
    .from(architectures)
    .where(inArray(architectures.hash, hashes));
  return new Map(rows.map((r) => [r.hash, r.genotype]));
}
