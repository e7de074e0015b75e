/**
 * What a reference build has measured so far, as the committed file holds it
 * (search/reference-file.ts): its trainings that ended with a result, a reused one with the
 * measurement of the training it reuses (accuracies, CPU time, latency, backend), read by
 * db/queries/reference-trainings.ts.
 */
import { nasnetSpace } from '../cells/nasnet/index.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { optimizerSteps, trainingOfTrialIndex, type ReferenceRequest } from '../search/reference.ts';
import {
  REFERENCE_FILE_FORMAT,
  type ReferenceFile,
  type ReferenceFileArchitecture,
  type ReferenceFileTraining,
} from '../search/reference-file.ts';
import type { Database } from '../db/client.ts';
import { referenceTrainings } from '../db/queries/reference-trainings.ts';
import type { Trial } from '../db/queries/trials.ts';

/** The commands that rebuild a file of this request (trainings already measured are reused). */
export function rebuildCommands(request: ReferenceRequest, out: string): string[] {
  const build = `npx nas reference build --architectures ${request.architectures} --second-seed ${request.secondSeed} --seed ${request.seed} --wait`;
  return [build, `npx nas reference export --id ${request.referenceId} --out ${out}`];
}

export async function referenceFileOf(db: Database, referenceId: string, out: string): Promise<ReferenceFile | null> {
  const build = await referenceTrainings(db, referenceId);
  if (!build) return null;
  const request = build.request as ReferenceRequest;
  const byArchitecture = new Map<number, ReferenceFileArchitecture>();
  for (const { row, source } of build.measured) {
    const { architectureIndex, training } = trainingOfTrialIndex(row.trialIndex);
    const entry = byArchitecture.get(architectureIndex) ?? {
      index: architectureIndex,
      hash: row.archHash,
      params: row.params,
      flops: row.flops,
      genotype: build.genotypes.get(row.archHash) as NasnetArchitecture,
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
