/**
 * `nas estimators report --sharing-steps S`: uniform weight sharing as an estimator (issue 29).
 * One shared network over the reference set's space trains S steps, each on a uniformly drawn
 * architecture and a batch of the reference protocol's training split, as a `--strategy enas`
 * search's uniform arm does (at its default learning rate); then every reference architecture is
 * scored with those weights on the same validation batches. In this process, like the proxies: the
 * weights and the steps' CPU time are kept in `$NAS_HOME/sharing/`, so a later report with as many
 * steps only scores, and one with more steps trains the difference.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type NasnetSpaceConfig, resolveNasnetSpaceConfig } from '../../cells/nasnet/index.ts';
import type { NasnetArchitecture } from '../../contracts/genotypes.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { SHARING_SCORE_BATCHES } from '../../contracts/estimators.ts';
import { RequestError } from '../../contracts/request-error.ts';
import type { SharingMeasurements } from '../../search/estimator-report.ts';
import type { ReferenceFile } from '../../search/reference-file.ts';
import { SHARING_DEFAULTS } from '../../search/sharing.ts';
import { threadCpuMark, threadCpuSecondsSince } from '../../engine/thread-cpu.ts';
import { nasHome } from '../../stack/embedded.ts';
import type { requireTfjsBackendFlag } from '../backend-flag.ts';
import { printNote } from '../output.ts';

const CHECKPOINT_EVERY = 25;

/** A shared network trained further than `steps` cannot be scored at `steps`: refused before any work. */
export async function checkSharingSteps(file: ReferenceFile, steps: number): Promise<void> {
  const path = sharingCheckpointPath(file);
  const { checkpointStep } = await import('../../engine/sharing/shared-checkpoint.ts');
  const done = await checkpointStep(path);
  if (done !== null && done > steps) {
    throw new RequestError(
      '--sharing-steps',
      `the shared network in ${path} has trained ${done} steps: give at least ${done}, or delete the file`,
    );
  }
}

function sharingCheckpointPath(file: ReferenceFile): string {
  return join(nasHome(), 'sharing', `reference-${file.protocols.reference.hash}-s${file.seed}.nasshar`);
}

export async function sharedWeightScores(
  file: ReferenceFile,
  steps: number,
  preference: ReturnType<typeof requireTfjsBackendFlag>,
): Promise<SharingMeasurements> {
  const [{ selectBackend }, { loadProtocolData }, phases, { checkpointStep }, network, { SharedMomentum }, uniform] =
    await Promise.all([
      import('../../engine/backend.ts'),
      import('../../workers/activities/training.ts'),
      import('../../engine/sharing/phases.ts'),
      import('../../engine/sharing/shared-checkpoint.ts'),
      import('../../engine/sharing/shared-network.ts'),
      import('../../engine/sharing/shared-momentum.ts'),
      import('../../engine/sharing/uniform-architectures.ts'),
    ]);
  const { protocol } = file.protocols.reference;
  const { input, classes } = datasetShape(protocol);
  await selectBackend(preference, { log: printNote });
  const space = resolveNasnetSpaceConfig(spaceOf(file.architectures.map((a) => a.genotype)));
  const shared = new network.SharedNetwork({ space, input, classes, seed: file.seed });
  const optimizer = new SharedMomentum();
  const checkpointPath = sharingCheckpointPath(file);
  try {
    const data = await loadProtocolData({ trialId: `${file.referenceId}/shared`, protocol }, undefined);
    const batches = Math.min(SHARING_SCORE_BATCHES, Math.floor(data.val.y.length / protocol.batchSize));
    if (batches < 1) {
      throw new RequestError(
        '--reference',
        `its protocol's ${data.val.y.length} validation images are fewer than one batch of ${protocol.batchSize} to score with`,
      );
    }
    // trainSharedSteps restores the weights from the checkpoint; its header says how far it got.
    const done = (await checkpointStep(checkpointPath)) ?? 0;
    const cost = new TrainingCost(`${checkpointPath}.cpu.json`, done);
    printNote(
      `uniform weight sharing: ${done} of ${steps} steps trained before (${checkpointPath}), ${steps - done} to train`,
    );
    const started = threadCpuMark();
    await phases.trainSharedSteps({
      network: shared,
      optimizer,
      train: data.train,
      imageShape: data.imageShape,
      batchSize: protocol.batchSize,
      seed: file.seed,
      fromStep: 0,
      toStep: steps,
      architectureAt: uniform.uniformArchitectureAt(space, file.seed),
      learningRateAt: () => SHARING_DEFAULTS.learningRate,
      checkpointPath,
      checkpointEvery: CHECKPOINT_EVERY,
      onStep: (step, { loss, accuracy }) => {
        if ((step + 1) % CHECKPOINT_EVERY === 0 || step + 1 === steps) {
          cost.add(step + 1, threadCpuSecondsSince(started));
          printNote(`shared step ${step + 1}/${steps}: loss ${loss.toFixed(3)}, batch accuracy ${accuracy.toFixed(3)}`);
        }
      },
    });
    const scoring = threadCpuMark();
    const scores = await phases.scoreArchitectures({
      network: shared,
      architectures: file.architectures.map((a) => a.genotype),
      validation: data.val,
      imageShape: data.imageShape,
      batchSize: protocol.batchSize,
      batches,
      seed: file.seed,
      round: 0,
    });
    const scoringSeconds = threadCpuSecondsSince(scoring);
    const perCandidate = scoringSeconds === null ? null : scoringSeconds / Math.max(1, scores.length);
    return {
      steps,
      images: batches * protocol.batchSize,
      trainingCpuSeconds: cost.total(),
      scores: new Map(
        file.architectures.map((a, i) => [a.hash, { score: scores[i].accuracy, cpuSeconds: perCandidate }]),
      ),
    };
  } finally {
    shared.dispose();
    optimizer.dispose();
  }
}

/** The space the architectures were drawn from: the default NASNet space on their network. */
function spaceOf(genotypes: NasnetArchitecture[]): NasnetSpaceConfig {
  const [first] = genotypes;
  const network = JSON.stringify(first.network);
  if (genotypes.some((g) => JSON.stringify(g.network) !== network)) {
    throw new RequestError(
      '--reference',
      'its architectures differ in their network; one shared network cannot hold them',
    );
  }
  const concat = genotypes.some((g) =>
    [g.normal, g.reduction].some((c) => c.blocks.some((b) => b.combine === 'concat')),
  );
  return { blocks: first.normal.blocks.length, combine: concat ? ['add', 'concat'] : ['add'], network: first.network };
}

/**
 * The CPU seconds of the shared training so far, beside its checkpoint: what earlier reports spent
 * (null when the file is missing or does not match the checkpoint's steps) plus this run's.
 */
class TrainingCost {
  private readonly before: number | null;
  private thisRun: number | null = 0;

  private readonly path: string;
  constructor(path: string, stepsDone: number) {
    this.path = path;
    this.before = stepsDone === 0 ? 0 : recordedCost(path, stepsDone);
    mkdirSync(dirname(path), { recursive: true });
  }

  /** cpuSecondsThisRun is null where the runtime cannot measure it; the total is then unknown. */
  add(step: number, cpuSecondsThisRun: number | null): void {
    this.thisRun = cpuSecondsThisRun;
    const total = this.total();
    if (total !== null) writeFileSync(this.path, JSON.stringify({ step, cpuSeconds: total }));
  }

  total(): number | null {
    return this.before === null || this.thisRun === null ? null : this.before + this.thisRun;
  }
}

function recordedCost(path: string, step: number): number | null {
  if (!existsSync(path)) return null;
  try {
    const recorded = JSON.parse(readFileSync(path, 'utf8')) as { step: number; cpuSeconds: number };
    return recorded.step === step ? recorded.cpuSeconds : null;
  } catch {
    return null;
  }
}
