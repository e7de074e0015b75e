/** Reference files written by tests: given architectures, with the accuracies each training is to have. */
import { architectureCost, architectureHash } from '../../cells/architecture.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';
import { protocolHash, type TrainingProtocol } from '../../contracts/protocol.ts';
import { cheapProtocol, optimizerSteps, referenceProtocol, type ReferenceTraining } from '../../search/reference.ts';
import {
  REFERENCE_FILE_FORMAT,
  type ReferenceFile,
  type ReferenceFileArchitecture,
  type ReferenceFileTraining,
} from '../../search/reference-file.ts';

export interface GeneratedArchitecture {
  genotype: NasnetArchitecture;
  /** Test accuracy of each training (validation accuracy for cheap); absent: not trained. */
  accuracies: Partial<Record<ReferenceTraining, number>>;
  params?: number;
  flops?: number;
}

export function generatedReferenceFile(
  architectures: GeneratedArchitecture[],
  protocols: { reference?: TrainingProtocol; cheap?: TrainingProtocol } = {},
): ReferenceFile {
  const reference = protocols.reference ?? referenceProtocol(7);
  const cheap = protocols.cheap ?? cheapProtocol(7);
  const entry = (protocol: TrainingProtocol) => ({
    hash: protocolHash(protocol),
    steps: optimizerSteps(protocol),
    protocol,
  });
  const input = { height: 28, width: 28, channels: 1 };
  return {
    format: REFERENCE_FILE_FORMAT,
    referenceId: 'reference-test',
    space: 'nasnet-test',
    seed: reference.seed,
    planned: { architectures: architectures.length, secondSeed: architectures.length },
    protocols: { reference: entry(reference), cheap: entry(cheap) },
    rebuild: [],
    cpu: { seconds: 0, trainings: 0, unmeasured: 0 },
    architectures: architectures.map((a, index): ReferenceFileArchitecture => {
      const cost = architectureCost(a.genotype, input, 10);
      const trainings = (Object.entries(a.accuracies) as [ReferenceTraining, number][]).map(
        ([training, accuracy]): ReferenceFileTraining => ({
          training,
          seed: training === 'reference-seed2' ? reference.seed + 1 : reference.seed,
          protocolHash: protocolHash(training === 'cheap' ? cheap : reference),
          status: 'succeeded',
          valAccuracy: accuracy,
          testAccuracy: accuracy,
          cpuSeconds: training === 'cheap' ? 300 : 2000,
          trainSeconds: null,
          latencyMs: null,
          latencyDevice: null,
          backend: 'wasm',
        }),
      );
      return {
        index,
        hash: architectureHash(a.genotype),
        params: a.params ?? cost.params,
        flops: a.flops ?? cost.flops,
        genotype: a.genotype,
        trainings,
      };
    }),
  };
}
