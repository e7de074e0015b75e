import { architectureCost, describeArchitecture } from '../../cells/index.ts';
import type { Architecture, InputShape } from '../../contracts/genotypes.ts';
import type { Database } from '../../db/client.ts';
import { upsertArchitecture } from '../../db/queries/architectures.ts';

/** The architecture's row (genotype, description, cost), once; returns its cost. */
export async function recordArchitecture(
  db: Database,
  architecture: Architecture,
  archHash: string,
  input: InputShape,
  classes: number,
): Promise<{ params: number; flops: number }> {
  const cost = architectureCost(architecture, input, classes);
  await upsertArchitecture(db, {
    hash: archHash,
    family: architecture.family,
    genotype: architecture,
    description: describeArchitecture(architecture),
    params: cost.params,
    flops: cost.flops,
  });
  return cost;
}
