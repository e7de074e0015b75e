/**
 * What a reference build has measured so far, as the committed file holds it
 * (search/reference-file.ts): its trainings that ended with a result, a reused one with the
 * measurement of the training it reuses (accuracies, CPU time, latency, backend).
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { nasnetSpace } from '../../cells/nasnet';
import type { NasnetArchitecture } from '../../contracts/genotypes';
import { protocolHash } from '../../contracts/protocol';
import { optimizerSteps, trainingOfTrialIndex, type ReferenceRequest } from '../../search/reference';
import {
  REFERENCE_FILE_FORMAT,
  type ReferenceFile,
  type ReferenceFileArchitecture,
  type ReferenceFileTraining,
} from '../../search/reference-file';
import type { Database } from '../client';
import { architectures, searches, trials } from '../schema';
import type { Trial } from './trials';

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

/** The commands that rebuild a file of this request (trainings already measured are reused). */
export function rebuildCommands(request: ReferenceRequest, out: string): string[] {
  const build = `npx nas reference build --architectures ${request.architectures} --second-seed ${request.secondSeed} --seed ${request.seed} --wait`;
  return [build, `npx nas reference export --id ${request.referenceId} --out ${out}`];
}

export async function referenceFileOf(db: Database, referenceId: string, out: string): Promise<ReferenceFile | null> {
  const [run] = await db
    .select()
    .from(searches)
    .where(and(eq(searches.id, referenceId), eq(searches.kind, 'reference')));
  if (!run) return null;
  const request = run.config as ReferenceRequest;
  const rows = await db.select().from(trials).where(eq(trials.searchId, referenceId)).orderBy(trials.trialIndex);
  const measured = await measurementsOf(db, rows);
  const genotypes = await genotypesOf(db, [...new Set(rows.map((r) => r.archHash))]);

  const byArchitecture = new Map<number, ReferenceFileArchitecture>();
  for (const row of rows) {
    const source = measured.get(row.id);
    if (!source) continue;
    const { architectureIndex, training } = trainingOfTrialIndex(row.trialIndex);
    const entry = byArchitecture.get(architectureIndex) ?? {
      index: architectureIndex,
      hash: row.archHash,
      params: row.params,
      flops: row.flops,
      genotype: genotypes.get(row.archHash)!,
      trainings: [],
    };
    entry.trainings.push(trainingOf(training, row, source));
    byArchitecture.set(architectureIndex, entry);
  }
  const list = [...byArchitecture.values()].sort((a, b) => a.index - b.index);
  const all = list.flatMap((a) => a.trainings);
  const cpu = all.flatMap((t) => (t.cpuSeconds === null ? [] : [t.cpuSeconds]));
  return {
    format: REFERENCE_FILE_FORMAT,
    referenceId,
    space: nasnetSpace().id,
    seed: request.seed,
    planned: { architectures: request.architectures, secondSeed: request.secondSeed },
    protocols: {
      reference: {
        hash: protocolHash(request.reference),
        steps: optimizerSteps(request.reference),
        protocol: request.reference,
      },
      cheap: { hash: protocolHash(request.cheap), steps: optimizerSteps(request.cheap), protocol: request.cheap },
    },
    rebuild: rebuildCommands(request, out),
    cpu: {
      seconds: round(
        cpu.reduce((sum, s) => sum + s, 0),
        1,
      ),
      trainings: all.length,
      unmeasured: all.length - cpu.length,
    },
    architectures: list,
  };
}

/** Per trial with a result, the row that measured it: itself, or the training it reused. */
async function measurementsOf(db: Database, rows: Trial[]): Promise<Map<string, Trial>> {
  const sourceIds = rows.flatMap((r) => (r.status === 'reused' && r.reusedFrom ? [r.reusedFrom] : []));
  const sources = sourceIds.length === 0 ? [] : await db.select().from(trials).where(inArray(trials.id, sourceIds));
  const byId = new Map(sources.map((s) => [s.id, s]));
  const measured = new Map<string, Trial>();
  for (const row of rows) {
    const source = row.status === 'reused' ? byId.get(row.reusedFrom ?? '') : row;
    if (source && (source.status === 'succeeded' || source.status === 'diverged')) measured.set(row.id, source);
  }
  return measured;
}

async function genotypesOf(db: Database, hashes: string[]): Promise<Map<string, NasnetArchitecture>> {
  if (hashes.length === 0) return new Map();
  const rows = await db
    .select({ hash: architectures.hash, genotype: architectures.genotype })
    .from(architectures)
    .where(inArray(architectures.hash, hashes));
  return new Map(rows.map((r) => [r.hash, r.genotype as NasnetArchitecture]));
}

function trainingOf(training: ReferenceFileTraining['training'], row: Trial, source: Trial): ReferenceFileTraining {
  return {
    training,
    seed: row.seed,
    protocolHash: row.protocolHash,
    status: source.status as ReferenceFileTraining['status'],
    // real columns: 0.8234 reads back as 0.8234000205993652.
    valAccuracy: source.valAccuracy === null ? null : round(source.valAccuracy, 6),
    testAccuracy: source.testAccuracy === null ? null : round(source.testAccuracy, 6),
    cpuSeconds: source.cpuSeconds === null ? null : round(source.cpuSeconds, 2),
    trainSeconds: source.trainSeconds === null ? null : round(source.trainSeconds, 2),
    latencyMs: source.latencyMs === null ? null : round(source.latencyMs, 4),
    latencyDevice: source.latencyDevice,
    backend: source.backend,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
