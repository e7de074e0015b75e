/**
 * `nas estimators report`: the zero-cost proxies of the reference set's architectures, computed
 * where this home has none recorded, and each estimator's rank agreement with the reference
 * trainings (search/estimator-report.ts).
 *
 * The proxies run in this process, not as a Temporal activity (a search's `--screen` runs the same
 * loop, engine/proxies/score-architectures.ts, on its trainers): one architecture costs one batch's
 * forward and backward passes (seconds), needs no trainer queue or running stack, and is recorded
 * once. The home's database is opened only to read what is recorded and, about every minute, to
 * record what was computed, so its lock is never held for the whole run.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { architectureCost } from '../../cells/architecture.ts';
import { threadCpuMark, threadCpuSecondsSince } from '../../engine/thread-cpu.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { PROXY_BATCH_SIZE } from '../../contracts/estimators.ts';
import { requireNonNegativeInteger } from '../../contracts/field-checks.ts';
import { RequestError } from '../../contracts/request-error.ts';
import type { Database } from '../../db/client.ts';
import {
  estimatorScoreScopeOf,
  hashesMissingProxies,
  recordedEstimatorScores,
  recordEstimatorScores,
  type EstimatorScoreRow,
  type EstimatorScoreScope,
  type NewEstimatorScore,
} from '../../db/queries/estimator-scores.ts';
import { estimatorReport, type ProxyMeasurements } from '../../search/estimator-report.ts';
import {
  parseReferenceFile,
  ReferenceFileError,
  type ReferenceFile,
  type ReferenceFileArchitecture,
} from '../../search/reference-file.ts';
import { nasHome, openStack } from '../../stack/embedded.ts';
import { stringFlag, type Flags } from '../args.ts';
import { requireTfjsBackendFlag } from '../backend-flag.ts';
import { checkTrainingData } from '../data-check.ts';
import { renderEstimatorReport } from '../estimator-report-table.ts';
import { formatOf } from '../format.ts';
import type { CommandInput } from '../invocation.ts';
import { printData, printNote } from '../output.ts';
import { COMMITTED_REFERENCE_FILE } from './reference.ts';
import { checkSharingSteps, sharedWeightScores } from './shared-weight-estimate.ts';

const RECORD_EVERY_MS = 60_000;

export async function estimatorsReport({ flags }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const { path, file } = referenceFlag(flags);
  const preference = requireTfjsBackendFlag(flags);
  const sharingSteps = requireNonNegativeInteger('--sharing-steps', stringFlag(flags, 'sharing-steps') ?? '0');
  if (sharingSteps > 0) await checkSharingSteps(file, sharingSteps);
  const protocol = file.protocols.reference.protocol;
  const scope = estimatorScoreScopeOf(protocol);
  const hashes = file.architectures.map((a) => a.hash);
  let recorded = await withDatabase((db) => recordedEstimatorScores(db, scope, hashes));
  const missingHashes = new Set(hashesMissingProxies(recorded, hashes));
  const missing = file.architectures.filter((a) => missingHashes.has(a.hash));
  printNote(
    `${relative(process.cwd(), path)}: ${file.architectures.length} architecture(s); zero-cost proxies at the initial weights ` +
      `of the reference training (seed ${scope.seed}) on ${PROXY_BATCH_SIZE} images of the training split of protocol ` +
      `${scope.protocolHash}: ${file.architectures.length - missing.length} recorded in ${nasHome()}, ${missing.length} to compute`,
  );
  let unrecorded: ScoreMeasurement[] = [];
  if (missing.length > 0) {
    checkTrainingData(protocol);
    unrecorded = await computeProxies(missing, file, scope, preference);
    recorded = await withDatabase((db) => recordedEstimatorScores(db, scope, hashes));
  }
  const sharing = sharingSteps > 0 ? await sharedWeightScores(file, sharingSteps, preference) : undefined;
  const rows = estimatorReport({
    file,
    proxies: measurementsOf([...recorded, ...unrecorded]),
    sizeCpuSeconds: sizeCpuSeconds(file),
    sharing,
  });
  printData(renderEstimatorReport(rows, format));
  return 0;
}

/** `--reference FILE`, by default the committed reference set; a bad file is one line naming it. */
function referenceFlag(flags: Flags): { path: string; file: ReferenceFile } {
  const given = stringFlag(flags, 'reference');
  const path = given === undefined ? COMMITTED_REFERENCE_FILE : resolve(given);
  try {
    return { path, file: parseReferenceFile(readFileSync(path, 'utf8')) };
  } catch (err) {
    if (err instanceof ReferenceFileError) throw new RequestError('--reference', `${path}: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code)
      throw new RequestError('--reference', `${path}: cannot read it (${code}); \`nas reference export\` writes one`);
    throw err;
  }
}

/** The home's database; a new or older one is migrated, as its owner would (the command records results). */
async function withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T> {
  const stack = await openStack({ own: false, migrate: true });
  try {
    return await use((await stack.database()).db);
  } finally {
    await stack.close();
  }
}

/**
 * Records scores unless another process owns the home: it serves its database to this one for
 * reading only, so the scores serve this report alone and a later report computes them again.
 */
async function recordScores(rows: NewEstimatorScore[]): Promise<boolean> {
  const stack = await openStack({ own: false, migrate: true });
  try {
    if (stack.mode === 'attached') return false;
    await recordEstimatorScores((await stack.database()).db, rows);
    return true;
  } finally {
    await stack.close();
  }
}

/** Computes the architectures' proxies, recording them about every minute; returns those it could not record. */
async function computeProxies(
  architectures: ReferenceFileArchitecture[],
  file: ReferenceFile,
  scope: EstimatorScoreScope,
  preference: ReturnType<typeof requireTfjsBackendFlag>,
): Promise<ScoreMeasurement[]> {
  const [{ selectBackend }, { scoreArchitectures }] = await Promise.all([
    import('../../engine/backend.ts'),
    import('../../engine/proxies/score-architectures.ts'),
  ]);
  const protocol = file.protocols.reference.protocol;
  const { input, classes } = datasetShape(protocol);
  const { backend, device } = await selectBackend(preference, { log: printNote });
  let pending: NewEstimatorScore[] = [];
  const unrecorded: ScoreMeasurement[] = [];
  let recordedAt = Date.now();
  const record = async () => {
    const rows = pending;
    pending = [];
    recordedAt = Date.now();
    if (rows.length === 0 || (await recordScores(rows))) return;
    if (unrecorded.length === 0)
      printNote(
        `proxy scores not recorded: another process owns ${nasHome()} and lets this one only read its database; ` +
          'a report run after it ends records them',
      );
    unrecorded.push(...rows.map((row) => ({ ...row, score: row.score ?? null, cpuSeconds: row.cpuSeconds ?? null })));
  };
  const jobs = architectures.map((a) => ({ architecture: a.genotype, archHash: a.hash }));
  try {
    await scoreArchitectures(
      jobs,
      { protocol, seed: scope.seed, batchSize: scope.batchSize, input, classes },
      async (i, scores) => {
        const { archHash } = jobs[i];
        pending.push(...scores.map((s) => ({ ...scope, archHash, ...s, backend, device })));
        const shown = scores.map(
          (s) =>
            `${s.estimator} ${s.score === null ? 'undefined' : s.score.toPrecision(4)} (${s.cpuSeconds?.toFixed(2) ?? '?'} s)`,
        );
        printNote(`${archHash} (${i + 1}/${architectures.length}): ${shown.join(', ')}`);
        if (Date.now() - recordedAt >= RECORD_EVERY_MS) await record();
      },
    );
  } finally {
    // What was computed before a failure is kept.
    await record();
  }
  return unrecorded;
}

type ScoreMeasurement = Pick<EstimatorScoreRow, 'archHash' | 'estimator' | 'score' | 'cpuSeconds'>;

function measurementsOf(rows: ScoreMeasurement[]): ProxyMeasurements {
  const byArchitecture = new Map<string, Record<string, { score: number | null; cpuSeconds: number | null }>>();
  for (const row of rows) {
    const entry = byArchitecture.get(row.archHash) ?? {};
    entry[row.estimator] = { score: row.score, cpuSeconds: row.cpuSeconds };
    byArchitecture.set(row.archHash, entry);
  }
  return byArchitecture;
}

/** CPU seconds per candidate of its params and FLOPs: the cost model over its layer graph. */
function sizeCpuSeconds(file: ReferenceFile): number | null {
  if (file.architectures.length === 0) return null;
  const start = threadCpuMark();
  const { input, classes } = datasetShape(file.protocols.reference.protocol);
  for (const a of file.architectures) architectureCost(a.genotype, input, classes);
  const seconds = threadCpuSecondsSince(start);
  return seconds === null ? null : seconds / file.architectures.length;
}
