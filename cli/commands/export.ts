/**
 * `nas export <trial-id|architecture-hash> --out <dir> [--format onnx|tfjs|both]`: a trial's kept
 * weights as ONNX and a tfjs LayersModel, written into a temporary directory beside --out and
 * renamed to it at the end (cli/export-destination.ts), so that --out holds everything or does not exist.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { eq, like } from 'drizzle-orm';
import { architectureGraph, architectureHash, describeArchitecture, validateArchitecture } from '../../cells/index.ts';
import { BASELINES } from '../../cells/baselines/index.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../cells/exporters/formats.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { staleWeightsWarning } from '../../engine/engine-1-wasm-defects.ts';
import type { Database } from '../../db/client.ts';
import { loadTrainedWeights, trialsOfArchitecture } from '../../db/queries/trained-weights.ts';
import type { ExportedTrial } from '../../cells/exporters/bundle.ts';
import { getTrial, listEpochs, type Trial } from '../../db/queries/trials.ts';
import { architectures, protocols } from '../../db/schema.ts';
import { DEFAULT_PROTOCOL, protocolHash, type TrainingProtocol } from '../../contracts/protocol.ts';
import type { Architecture } from '../../contracts/genotypes.ts';
import type { EpochMetrics } from '../../contracts/activities.ts';
import type { BackendPreference } from '../../engine/backend.ts';
import { requireTfjsBackendFlag } from '../backend-flag.ts';
import { checkTrainingData } from '../data-check.ts';
import { prepareDestination } from '../export-destination.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requireOneOf } from '../../contracts/field-checks.ts';
import { openStack } from '../../stack/embedded.ts';
import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { printData, printNote } from '../output.ts';

const REF = '<trial-id|architecture-hash>';

interface ArchitectureInfo {
  hash: string;
  genotype: Architecture;
  description: string;
}

/** What is exported: kept weights of a trial, or (`--train`) an architecture to train here first. */
interface ExportSource {
  architecture: ArchitectureInfo;
  protocol: TrainingProtocol;
  protocolHash: string;
  /** The trial whose weights are exported, or whose protocol and seed --train uses (null: the default protocol). */
  trial: Trial | null;
  /** Null: no weights are kept and --train was given. */
  weights: { epoch: number; bytes: Uint8Array } | null;
  epochs: EpochMetrics[];
}

/** Trained weights and what their training measured. */
interface Weights {
  bytes: Uint8Array;
  epoch: number;
  metrics: ExportedTrial;
}

export async function exportCommand({ flags, args }: CommandInput): Promise<number> {
  const [ref] = args;
  const format = requireOneOf('--format', stringFlag(flags, 'format') ?? 'both', EXPORT_FORMATS) as ExportFormat;
  const train = flags.train === true;
  const backend = requireTfjsBackendFlag(flags);
  if (!train && flags.backend !== undefined) throw new RequestError('--backend', 'applies with --train only');
  const outFlag = stringFlag(flags, 'out');
  if (!outFlag)
    throw new RequestError('--out', 'is required: the directory to write the model into, e.g. --out model/');
  const destination = prepareDestination(outFlag, resolve(outFlag));
  let source: ExportSource;
  let weights: Weights;
  let files: Map<string, string | Uint8Array>;
  try {
    const stack = await openStack({ own: false });
    try {
      source = await resolveSource((await stack.database()).db, ref, train);
    } finally {
      await stack.close();
    }
    weights = source.weights ? keptWeights(source, source.weights) : await trainHere(source, backend);
    files = await exportFiles(source, weights, format);
    destination.commit(files);
  } finally {
    destination.discard();
  }
  const { metrics } = weights;
  const accuracy = metrics.testAccuracy === null ? '' : `, test accuracy ${(100 * metrics.testAccuracy).toFixed(2)}%`;
  const what = metrics.trialId
    ? `trial ${metrics.trialId} (architecture ${source.architecture.hash}, ${metrics.role}`
    : `the network trained here (architecture ${source.architecture.hash}, not recorded`;
  printNote(`exported ${what}${accuracy}) to ${outFlag}`);
  for (const path of files.keys()) printData(join(outFlag, path));
  return 0;
}

function keptWeights(source: ExportSource, weights: { epoch: number; bytes: Uint8Array }): Weights {
  const trial = source.trial!;
  return {
    bytes: weights.bytes,
    epoch: weights.epoch,
    metrics: {
      trialId: trial.id,
      searchId: trial.searchId,
      role: trial.role,
      seed: trial.seed,
      status: trial.status,
      valAccuracy: trial.valAccuracy,
      testAccuracy: trial.testAccuracy,
      weightsEpoch: weights.epoch,
      epochs: source.epochs,
      trainSeconds: trial.trainSeconds,
      backend: trial.backend,
      device: trial.device,
    },
  };
}

/** `--train`: the architecture trained in this process under the source's protocol and seed (nothing is recorded). */
async function trainHere(source: ExportSource, preference: BackendPreference): Promise<Weights> {
  const { protocol } = source;
  const seed = source.trial?.seed ?? protocol.seed;
  checkTrainingData(protocol, { asFlags: false });
  const [{ selectBackend }, { loadDataset }, { splitDataset }, { runTraining, trainingDataOf }] = await Promise.all([
    import('../../engine/backend.ts'),
    import('../../engine/data/datasets.ts'),
    import('../../engine/data/split.ts'),
    import('../../engine/run-training.ts'),
  ]);
  const { backend, device } = await selectBackend(preference, { log: printNote });
  printNote(
    `training ${source.architecture.hash} under protocol ${source.protocolHash}` +
      `${source.trial ? ` (that of trial ${source.trial.id})` : ' (the default protocol)'}, seed ${seed}: ` +
      `${protocol.trainSize} images, ${protocol.epochs} epoch(s) of batch ${protocol.batchSize}`,
  );
  const data = splitDataset(await loadDataset(protocol), protocol);
  let last: { epoch: number; bytes: Uint8Array } | undefined;
  const epochs: EpochMetrics[] = [];
  const run = await runTraining(
    {
      trialId: `export/${source.architecture.hash}`,
      architecture: source.architecture.genotype,
      archHash: source.architecture.hash,
      protocol,
      trainingSeed: seed,
      data: trainingDataOf(data),
      checkpoint: null,
    },
    {
      onStart: () => {},
      onProgress: () => {},
      onEpoch: async (metrics, checkpoint) => {
        last = { epoch: metrics.epoch, bytes: checkpoint };
        epochs.push(metrics);
        printNote(
          `epoch ${metrics.epoch + 1}/${protocol.epochs}: validation accuracy ${(100 * metrics.valAccuracy).toFixed(2)}%`,
        );
      },
      onUnusableCheckpoint: async () => {},
    },
  );
  const { outcome } = run;
  if (outcome.status !== 'succeeded' || !last) throw new Error(`the training ${outcome.status}; nothing exported`);
  const { modelWeightsOnly } = await import('../../engine/checkpoint.ts');
  return {
    bytes: modelWeightsOnly(last.bytes),
    epoch: last.epoch,
    metrics: {
      trialId: null,
      searchId: null,
      role: 'trained by nas export --train (not recorded)',
      seed,
      status: outcome.status,
      valAccuracy: outcome.valAccuracy,
      testAccuracy: outcome.testAccuracy,
      weightsEpoch: last.epoch,
      epochs,
      trainSeconds: outcome.trainSeconds,
      backend,
      device,
    },
  };
}

async function exportFiles(
  source: ExportSource,
  weights: Weights,
  format: ExportFormat,
): Promise<Map<string, string | Uint8Array>> {
  const tf = await import('@tensorflow/tfjs');
  // Building and reading weights only: tfjs' plain JS backend, whatever else is installed. Production
  // mode also keeps it from printing its banner advising tfjs-node, which an export does not need.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const [{ buildExportModel }, { exportBundle }, { restoreModelWeights }] = await Promise.all([
    import('../../cells/exporters/tfjs.ts'),
    import('../../cells/exporters/bundle.ts'),
    import('../../engine/checkpoint.ts'),
  ]);
  const architecture = source.architecture.genotype;
  const { input, classes } = datasetShape(source.protocol);
  const graph = architectureGraph(architecture, input, classes);
  const stale = weights.metrics.trialId ? staleWeightsWarning(graph, source.protocol, weights.metrics.backend) : null;
  if (stale) printNote(stale);
  const model = buildExportModel(graph, `nas_${source.architecture.hash}`);
  try {
    restoreModelWeights(weights.bytes, model);
    return await exportBundle({
      architecture,
      archHash: source.architecture.hash,
      description: source.architecture.description,
      graph,
      model,
      dataset: source.protocol.dataset,
      input,
      classes,
      classNames: source.protocol.datasetInfo?.classNames,
      protocol: source.protocol,
      protocolHash: source.protocolHash,
      trial: weights.metrics,
      format,
      producerVersion: projectVersion(),
    });
  } finally {
    model.dispose();
  }
}

function projectVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

async function resolveSource(db: Database, ref: string, train: boolean): Promise<ExportSource> {
  let trial: Trial | null;
  let architecture: ArchitectureInfo | null = null;
  if (ref.includes('/')) {
    trial = await trialByRef(db, ref);
  } else {
    const found = await architectureByRef(db, ref);
    const [best] = found.hash ? await trialsOfArchitecture(db, found.hash) : [];
    trial = best?.trial ?? null;
    architecture = found.architecture;
    if (!best?.hasWeights && !train) {
      const why = best ? noWeights(best.trial) : 'no succeeded training, so no trained weights';
      throw new RequestError(
        REF,
        `architecture ${found.architecture.hash}: ${why}; or \`nas export ${ref} --train\` trains it here`,
      );
    }
  }
  const weights = trial ? await loadTrainedWeights(db, trial.id) : null;
  if (trial && !weights && !train)
    throw new RequestError(REF, `${noWeights(trial)}; or \`nas export ${ref} --train\` trains it here`);
  if (weights)
    printNote(
      `${train ? '--train: not needed, ' : ''}trial ${trial!.id} kept its trained weights (epoch ${weights.epoch + 1})`,
    );
  if (!architecture) {
    const [row] = await db.select().from(architectures).where(eq(architectures.hash, trial!.archHash));
    if (!row) throw new Error(`trial ${trial!.id}: its architecture row is missing`);
    architecture = { hash: row.hash, genotype: validateArchitecture(row.genotype), description: row.description };
  }
  let protocol = DEFAULT_PROTOCOL;
  if (trial) {
    const [row] = await db.select().from(protocols).where(eq(protocols.hash, trial.protocolHash));
    if (!row) throw new Error(`trial ${trial.id}: its protocol row is missing`);
    protocol = row.protocol;
  }
  return {
    architecture,
    protocol,
    protocolHash: trial?.protocolHash ?? protocolHash(protocol),
    trial,
    weights: weights && { epoch: weights.epoch, bytes: weights.bytes },
    epochs: trial ? await listEpochs(db, trial.id) : [],
  };
}

/** A recorded architecture by hash prefix, or a baseline by name (recorded or not: `hash` null when not). */
async function architectureByRef(
  db: Database,
  ref: string,
): Promise<{ architecture: ArchitectureInfo; hash: string | null }> {
  const baseline = BASELINES.find((b) => b.name === ref);
  if (!baseline && !/^[0-9a-f]{4,16}$/.test(ref)) {
    throw new RequestError(
      REF,
      `${ref} is neither a trial id (<search-id>/<index>), an architecture hash (4-16 hex digits) nor a baseline name`,
    );
  }
  const prefix = baseline ? architectureHash(baseline.architecture) : ref;
  const rows = await db
    .select()
    .from(architectures)
    .where(like(architectures.hash, `${prefix}%`))
    .limit(2);
  if (rows.length > 1) throw new RequestError(REF, `${ref} matches several architectures; give more digits`);
  if (rows.length === 1) {
    const [row] = rows;
    return {
      architecture: { hash: row.hash, genotype: validateArchitecture(row.genotype), description: row.description },
      hash: row.hash,
    };
  }
  if (baseline) {
    const architecture = {
      hash: prefix,
      genotype: baseline.architecture,
      description: describeArchitecture(baseline.architecture),
    };
    return { architecture, hash: null };
  }
  throw new RequestError(
    REF,
    `no architecture ${ref} has been trained here (\`nas leaderboard\` lists the trained ones)`,
  );
}

async function trialByRef(db: Database, id: string): Promise<Trial> {
  let trial = await getTrial(db, id);
  if (!trial)
    throw new RequestError(
      REF,
      `no trial ${id} is recorded (a trial id is <search-id>/<index>, as \`nas search status <search-id>\` lists them)`,
    );
  if (trial.status === 'reused' && trial.reusedFrom) {
    const source = await getTrial(db, trial.reusedFrom);
    if (source) {
      printNote(`trial ${id} reused the training of ${source.id}; exporting that one`);
      trial = source;
    }
  }
  if (trial.status !== 'succeeded') {
    const state =
      trial.status === 'queued' || trial.status === 'running' ? `is still ${trial.status}` : `ended ${trial.status}`;
    throw new RequestError(REF, `trial ${trial.id} ${state}: only a succeeded training has trained weights`);
  }
  return trial;
}

/** Why a succeeded trial has no weights, and the command that gets some. */
function noWeights(trial: Trial): string {
  if (trial.role === 'search') {
    return (
      `trial ${trial.id} is a search training whose weights were not kept (a search started with --keep-weights all keeps them): ` +
      `\`nas search finalize ${trial.searchId} --top K --wait\` retrains the search's best K candidates as final trials, which keep theirs`
    );
  }
  const again =
    trial.role === 'baseline'
      ? `nas baselines train ${trial.baselineName ?? '<name>'} --seed N --wait`
      : `nas search finalize <search-id> --seed N --wait`;
  return `trial ${trial.id} (${trial.role}) was trained before trainings kept their weights: \`${again}\` with another seed trains it again and keeps them`;
}
