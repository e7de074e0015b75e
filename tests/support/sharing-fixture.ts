/** A small weight-sharing setup shared by the phase tests and their killed-trainer child process. */
import seedrandom from 'seedrandom';
import { resolveNasnetSpaceConfig, type NasnetSpaceConfig } from '../../cells/nasnet/index.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';
import { type LabelledImages, scoreArchitectures, trainSharedSteps } from '../../engine/sharing/phases.ts';
import { SharedMomentum } from '../../engine/sharing/shared-momentum.ts';
import { SharedNetwork } from '../../engine/sharing/shared-network.ts';
import { uniformArchitectureAt } from '../../engine/sharing/uniform-architectures.ts';

export const config: NasnetSpaceConfig = { blocks: 2, network: { cellsPerStage: 1, reductions: 1, filters: 4 } };
export const imageShape: [number, number, number] = [12, 12, 1];
export const classes = 4;

/** Images whose class brightens one quadrant, plus seeded noise. */
function images(count: number, seed: string): LabelledImages {
  const rng = seedrandom(seed);
  const [h, w] = imageShape;
  const x = new Float32Array(count * h * w);
  const y = Int32Array.from({ length: count }, (_, i) => i % classes);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const quadrant = (r < h / 2 ? 0 : 2) + (c < w / 2 ? 0 : 1);
        x[i * h * w + r * w + c] = 0.5 * rng() + (quadrant === y[i] ? 0.5 : 0);
      }
    }
  }
  return { x, y };
}
export const train = images(48, 'train');
export const validation = images(32, 'validation');
export const sampled = (seed: number, step: number): NasnetArchitecture => uniformArchitectureAt(config, seed)(step);
export const scored = Array.from({ length: 4 }, (_, i) => sampled(999, i));

export interface Run {
  network: SharedNetwork;
  optimizer: SharedMomentum;
}
export const fresh = (seed: number): Run => ({
  network: new SharedNetwork({
    space: resolveNasnetSpaceConfig(config),
    input: { height: 12, width: 12, channels: 1 },
    classes,
    seed,
  }),
  optimizer: new SharedMomentum(),
});
export const dispose = (run: Run) => {
  run.network.dispose();
  run.optimizer.dispose();
};

export function phase(
  run: Run,
  seed: number,
  checkpointPath: string,
  options: { toStep: number; fromStep?: number; signal?: AbortSignal; onStep?: (step: number) => void },
) {
  return trainSharedSteps({
    ...run,
    train,
    imageShape,
    batchSize: 8,
    seed,
    fromStep: options.fromStep ?? 0,
    toStep: options.toStep,
    architectureAt: (step) => sampled(seed, step),
    learningRateAt: () => 0.05,
    checkpointPath,
    checkpointEvery: 2,
    signal: options.signal,
    onStep: options.onStep,
  });
}

export const score = (run: Run, seed: number) =>
  scoreArchitectures({
    network: run.network,
    architectures: scored,
    validation,
    imageShape,
    batchSize: 8,
    batches: 2,
    seed,
    round: 0,
  });
