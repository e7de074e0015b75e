/**
 * Reads a committed reference file back into a database as trainings that were done
 * (`nas reference build --import`): each becomes a trial of an import record, numbered as in the
 * build, so that the build's own trials reuse it and nothing in the file is trained again.
 * Trainings under a protocol whose hash this version computes otherwise are left to be trained.
 */
import { architectureCost, describeArchitecture } from '../cells/index.ts';
import { stableHash } from '../contracts/hash.ts';
import { protocolHash } from '../contracts/protocol.ts';
import type { Database } from '../db/client.ts';
import { type ImportedTraining, recordImportedTrainings } from '../db/queries/imported-trainings.ts';
import { referenceTrialIndex } from '../search/reference.ts';
import type { ReferenceFile, ReferenceFileArchitecture, ReferenceFileTraining } from '../search/reference-file.ts';

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
  const protocols = Object.values(file.protocols).filter((p) => protocolHash(p.protocol) === p.hash);
  const trainings = file.architectures.flatMap((a) => a.trainings.map((t) => ({ architecture: a, training: t })));
  const current = trainings.filter(({ training }) => protocols.some((p) => p.hash === training.protocolHash));
  const record = {
    id: importIdOf(file),
    kind: 'reference' as const,
    status: 'finished' as const,
    space: 'nasnet',
    strategy: 'import',
    seed: file.seed,
    trialsRequested: trainings.length,
    config: { importedFrom: file.format, seed: file.seed, protocols: file.protocols, planned: file.planned },
  };
  const counts = await recordImportedTrainings(
    db,
    { record, protocols, worker: `imported from ${file.format}` },
    current.map(({ architecture, training }) => importedTraining(architecture, training)),
  );
  return { ...counts, staleProtocol: trainings.length - current.length };
}

function importedTraining(
  architecture: ReferenceFileArchitecture,
  { training: kind, ...measured }: ReferenceFileTraining,
): ImportedTraining {
  const cost = architectureCost(architecture.genotype, { height: 28, width: 28, channels: 1 }, 10);
  return {
    trialIndex: referenceTrialIndex(architecture.index, kind),
    architecture: {
      hash: architecture.hash,
      family: 'nasnet',
      genotype: architecture.genotype,
      description: describeArchitecture(architecture.genotype),
      params: cost.params,
      flops: cost.flops,
    },
    ...measured,
  };
}
