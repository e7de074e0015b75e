/**
 * Trainings done elsewhere, recorded as trials of one finished import record so that later builds
 * find them as reusable results (findReusableTrial). A training already trained here (or imported
 * before) is skipped and counted as present.
 */
import { sql } from 'drizzle-orm';
import type { MeasuredTraining } from '../../contracts/measured-training.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { Database } from '../client.ts';
import { trials } from '../schema.ts';
import { type ArchitectureRow, upsertArchitecture, upsertProtocol } from './architectures.ts';
import { type NewSearch, upsertSearch } from './searches.ts';
import { findReusableTrial } from './trials.ts';
import { trialIdOf } from '../../contracts/trial-id.ts';

export interface ImportedTraining extends MeasuredTraining {
  trialIndex: number;
  architecture: ArchitectureRow;
}

export interface ImportSource {
  record: NewSearch;
  protocols: { hash: string; protocol: TrainingProtocol }[];
  /** Shown as the trials' worker, e.g. `imported from nas-reference-set/1`. */
  worker: string;
}

export async function recordImportedTrainings(
  db: Database,
  source: ImportSource,
  trainings: ImportedTraining[],
): Promise<{ imported: number; present: number }> {
  const counts = { imported: 0, present: 0 };
  await db.transaction(async (tx) => {
    await upsertSearch(tx, source.record);
    for (const p of source.protocols) await upsertProtocol(tx, p.hash, p.protocol);
    for (const training of trainings) {
      const { architecture } = training;
      if (await findReusableTrial(tx, architecture.hash, training.protocolHash, training.seed, '')) {
        counts.present++;
        continue;
      }
      await upsertArchitecture(tx, architecture);
      const inserted = await tx
        .insert(trials)
        .values({
          id: trialIdOf(source.record.id, training.trialIndex),
          searchId: source.record.id,
          trialIndex: training.trialIndex,
          archHash: architecture.hash,
          protocolHash: training.protocolHash,
          status: training.status,
          role: 'search',
          seed: training.seed,
          params: architecture.params,
          flops: architecture.flops,
          valAccuracy: training.valAccuracy,
          testAccuracy: training.testAccuracy,
          cpuSeconds: training.cpuSeconds,
          trainSeconds: training.trainSeconds,
          latencyMs: training.latencyMs,
          latencyDevice: training.latencyDevice,
          backend: training.backend,
          worker: source.worker,
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
