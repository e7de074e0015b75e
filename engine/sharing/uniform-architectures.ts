/** Uniform sampling of a weight-sharing search's training architectures (`--sharing-warmup`, the uniform baseline arm). */
import seedrandom from 'seedrandom';
import { type NasnetSpaceConfig, sampleNasnet } from '../../cells/nasnet/index.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';

/** The architecture of each training step: drawn uniformly from the space, from the seed and the step alone. */
export function uniformArchitectureAt(space: NasnetSpaceConfig, seed: number): (step: number) => NasnetArchitecture {
  return (step) => sampleNasnet(seedrandom(`${seed}/architecture/${step}`), space);
}
