/**
 * Reads a committed reference file back into a database as trainings that were done
 * (`nas reference build --import`): each becomes a trial of an import record, so that the build's
 * own trials find it as a reusable result (findReusableTrial) and nothing in the file is trained
 * again. A training is imported once: one already trained here (or imported before) is skipped.
 */
import { sql } from 'drizzle-orm';
import { architectureCost, describeArchitecture } from '../../cells';
import { stableHash } from '../../contracts/hash';
import { protocolHash } from '../../contracts/protocol';
import { referenceTrialIndex } from '../../search/reference';
import type { ReferenceFile, ReferenceFileProtocol } from '../../search/reference-file';
import { trialIdOf } from '../../contracts/trial-id';
import type { Database } from '../client';
import { trials } from '../schema';
import { upsertArchitecture, upsertProtocol } from './architectures';
import { upsertSearch } from './searches';
import { findReusableTrial } from './trials';

export interface ImportCounts {
  imported: number;
  /** Already trained (or imported) in this database. */
  present: number;
  /** Under a protocol whose hash this version computes otherwise (another engine or protocol version): to be trained again. */
  staleProtocol: number;
}

/** One import record per (seed, protocols): trial 3i + k is architecture i's training k, as in the build. */
export function importIdOf(file: Pick<ReferenceFile, 'seed' | 'protocols'>): string {
  const key = stableHash({ reference: file.protocols.reference.hash, cheap: file.protocols.cheap.hash });
  return `reference-import-s${file.seed}-${key.slice(0, 8)}`;
}

export async function importReferenceFile(db: Database, file: ReferenceFile): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, present: 0, staleProtocol: 0 };
  const current = (p: ReferenceFileProtocol) => protocolHash(p.protocol) === p.hash;
  const protocols = Object.values(file.protocols).filter(current);
  const importId = importIdOf(file);
  const trainings = file.architectures.flatMap((a) => a.trainings.map((t) => ({ architecture: a, training: t })));
  await db.transaction(async (tx) => {
    await upsertSearch(tx, {
      id: importId,
      kind: 'reference',
      status: 'finished',
      space: 'nasnet',
      strategy: 'import',
      seed: file.seed,
      trialsRequested: trainings.length,
      config: { importedFrom: file.format, seed: file.seed, protocols: file.protocols, planned: file.planned },
    });
    for (const p of protocols) await upsertProtocol(tx, p.hash, p.protocol);
    for (const { architecture, training } of trainings) {
      if (!protocols.some((p) => p.hash === training.protocolHash)) {
        counts.staleProtocol++;
        continue;
      }
      const trialId = trialIdOf(importId, referenceTrialIndex(architecture.index, training.training));
      if (await findReusableTrial(tx, architecture.hash, training.protocolHash, training.seed, '')) {
        counts.present++;
        continue;
      }
      const input = { height: 28, width: 28, channels: 1 };
      const cost = architectureCost(architecture.genotype, input, 10);
      await upsertArchitecture(tx, {
        hash: architecture.hash,
        family: 'nasnet',
        genotype: architecture.genotype,
        description: describeArchitecture(architecture.genotype),
        params: cost.params,
        flops: cost.flops,
      });
      const inserted = await tx
        .insert(trials)
        .values({
          id: trialId,
          searchId: importId,
          trialIndex: referenceTrialIndex(architecture.index, training.training),
          archHash: architecture.hash,
          protocolHash: training.protocolHash,
          status: training.status,
          role: 'search',
          seed: training.seed,
          params: cost.params,
          flops: cost.flops,
          valAccuracy: training.valAccuracy,
          testAccuracy: training.testAccuracy,
          cpuSeconds: training.cpuSeconds,
          trainSeconds: training.trainSeconds,
          latencyMs: training.latencyMs,
          latencyDevice: training.latencyDevice,
          backend: training.backend,
          worker: `imported from ${file.format}`,
          attempts: 1,
          startedAt: sql`now()`,
          finishedAt: sql`now()`,
        })
        .onConflictDoNothing()
        .returning({ id: trials.id });
      if (inserted.length > 0) counts.imported++;
      else counts.present++;
    }
  });
  return counts;
}
