import { eq } from 'drizzle-orm';
import type { Architecture, Family } from '../../contracts/genotypes.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import type { Database } from '../client.ts';
import { architectures, protocols } from '../schema.ts';

export interface ArchitectureRow {
  hash: string;
  family: Family;
  genotype: Architecture;
  description: string;
  params: number;
  flops: number;
}

/** The hash is of the canonical genotype, so an existing row is already right: insert once. */
export async function upsertArchitecture(db: Database, row: ArchitectureRow): Promise<void> {
  await db.insert(architectures).values(row).onConflictDoNothing({ target: architectures.hash });
}

export async function upsertProtocol(db: Database, hash: string, protocol: TrainingProtocol): Promise<void> {
  await db.insert(protocols).values({ hash, protocol }).onConflictDoNothing({ target: protocols.hash });
}

export async function getArchitecture(db: Database, hash: string): Promise<ArchitectureRow | null> {
  const [row] = await db
    .select({
      hash: architectures.hash,
      family: architectures.family,
      genotype: architectures.genotype,
      description: architectures.description,
      params: architectures.params,
      flops: architectures.flops,
    })
    .from(architectures)
    .where(eq(architectures.hash, hash));
  return row ?? null;
}
