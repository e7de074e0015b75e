/**
 * `nas reference build`: the reference set of the default NASNet space (workflows/reference.ts),
 * after importing the committed file's trainings so that none is trained again; and
 * `nas reference export`: what a build has measured so far, as that file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWorkflowAlreadyStarted } from '../../stack/temporal/client-errors.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { latestReferenceId } from '../../db/queries/reference-trainings.ts';
import { referenceFileOf } from '../reference-export.ts';
import { importIdOf, importReferenceFile } from '../reference-import.ts';
import type { Database } from '../../db/client.ts';
import { getSearch, type Search } from '../../db/queries/searches.ts';
import {
  cheapProtocol,
  DEFAULT_REFERENCE_ARCHITECTURES,
  DEFAULT_REFERENCE_SEED,
  DEFAULT_SECOND_SEED_ARCHITECTURES,
  plannedReferenceTrials,
  referenceIdOf,
  referenceProtocol,
  type ReferenceRequest,
} from '../../search/reference.ts';
import {
  parseReferenceFile,
  ReferenceFileError,
  renderReferenceFile,
  type ReferenceFile,
} from '../../search/reference-file.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requireNonNegativeInteger, requirePositiveInteger, requireSearchId } from '../../contracts/field-checks.ts';
import { validateReferenceRequest } from '../../search/validate-request.ts';
import { nasHome, openStack, type Stack } from '../../stack/embedded.ts';
import { openStackToStart, WORKFLOW_TASK_TIMEOUT } from '../stack-to-start.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../../workers/task-queues.ts';
import { referenceWorkflow, type ReferenceSummary } from '../../workflows/reference.ts';
import { setParallelismSignal } from '../../workflows/signals.ts';
import { stringFlag } from '../args.ts';
import { simulatesTraining } from '../backend-flag.ts';
import { checkTrainingData } from '../data-check.ts';
import { formatOf, type Format } from '../format.ts';
import { renderReferenceSummary } from '../reference-summary.ts';
import type { CommandInput } from '../invocation.ts';
import { printData, printNote } from '../output.ts';
import { validateAsFlags } from '../request-fields.ts';
import { requireSameRequest } from '../same-request.ts';
import { describeCounts, followPoolRun } from '../follow-run.ts';
import { REFERENCE_FILE_IN_PROJECT } from '../reference-file-path.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The committed reference set: read back by `build`, written by `export`. */
export const COMMITTED_REFERENCE_FILE = resolve(PROJECT_ROOT, REFERENCE_FILE_IN_PROJECT);

export function referenceRequestFromFlags(flags: CommandInput['flags']): ReferenceRequest {
  const seed = requireNonNegativeInteger('--seed', stringFlag(flags, 'seed') ?? DEFAULT_REFERENCE_SEED);
  const architectures = requirePositiveInteger(
    '--architectures',
    stringFlag(flags, 'architectures') ?? DEFAULT_REFERENCE_ARCHITECTURES,
  );
  const secondSeed = requireNonNegativeInteger(
    '--second-seed',
    stringFlag(flags, 'second-seed') ?? Math.min(DEFAULT_SECOND_SEED_ARCHITECTURES, architectures),
  );
  const plan = { seed, architectures, secondSeed, reference: referenceProtocol(seed), cheap: cheapProtocol(seed) };
  const { input, classes } = datasetShape(plan.reference);
  const request: ReferenceRequest = {
    referenceId: requireSearchId('--id', stringFlag(flags, 'id') ?? referenceIdOf(plan)),
    ...plan,
    parallel: requirePositiveInteger('--parallel', stringFlag(flags, 'parallel') ?? 1),
    input: { ...input },
    classes,
    trainerTaskQueue: stringFlag(flags, 'task-queue') ?? DEFAULT_TRAINER_TASK_QUEUE,
  };
  validateAsFlags(() => validateReferenceRequest(request));
  return request;
}

/** `--import FILE`, by default the committed file when it exists; `--import none` imports nothing. */
function fileToImport(flags: CommandInput['flags']): { path: string; file: ReferenceFile } | null {
  const given = stringFlag(flags, 'import');
  if (given === 'none') return null;
  const path = given === undefined ? COMMITTED_REFERENCE_FILE : resolve(given);
  if (given === undefined && !existsSync(path)) return null;
  try {
    return { path, file: parseReferenceFile(readFileSync(path, 'utf8')) };
  } catch (err) {
    if (err instanceof ReferenceFileError) throw new RequestError('--import', `${path}: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new RequestError('--import', `${path}: cannot read it (${code})`);
    throw err;
  }
}

export async function buildReference({ flags }: CommandInput): Promise<number> {
  const request = referenceRequestFromFlags(flags);
  const format = formatOf(flags);
  if (!simulatesTraining(flags)) {
    checkTrainingData(request.reference);
    checkTrainingData(request.cheap);
  }
  const toImport = fileToImport(flags);
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'build the reference set', {
    parallel: request.parallel,
  });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    const { db } = await stack.database();
    if (toImport) {
      const counts = await importReferenceFile(db, toImport.file);
      const stale =
        counts.staleProtocol > 0
          ? `, ${counts.staleProtocol} under a protocol hash this version computes otherwise (trained again)`
          : '';
      printNote(
        `imported ${counts.imported} training(s) of ${relative(process.cwd(), toImport.path)} as ${importIdOf(toImport.file)} (${counts.present} already here${stale})`,
      );
    }
    const existing = await continuableRun(db, request);
    if (existing?.status === 'finished') {
      printNote(`reference build ${request.referenceId} already finished`);
      if (flags.wait === true) await printSummary(db, request.referenceId, format);
      return 0;
    }
    const started = await startBuild(stack, request, stringFlag(flags, 'parallel') !== undefined);
    if (started)
      printNote(
        `reference build ${request.referenceId} started: ${request.architectures} architectures (seed ${request.seed}), ` +
          `${plannedReferenceTrials(request)} trainings, ${request.parallel} at once`,
      );
    if (stack.uiUrl) printNote(`Temporal UI: ${stack.uiUrl}/namespaces/default/workflows/${request.referenceId}`);
    if (flags.wait !== true) return 0;
    const summary = await followPoolRun<ReferenceSummary>(
      stack,
      request.referenceId,
      60_000,
      'the same nas reference build ... --wait',
    );
    printNote(`reference build ${summary.referenceId} ${summary.status}: ${describeCounts(summary.counts)}`);
    printNote(
      `\`npx nas reference export --id ${summary.referenceId}\` writes what it measured to ${relative(process.cwd(), COMMITTED_REFERENCE_FILE)}`,
    );
    await printSummary(db, request.referenceId, format);
    return summary.status === 'finished' ? 0 : 1;
  } finally {
    await stack.close();
  }
}

/**
 * The run this request continues, setting request.referenceId to it: the request's id while that
 * run is open or finished; after a stopped or failed run (its unfinished trials were ended for
 * good) the next id `<id>-r2`, `-r3`, ..., whose trials reuse everything the earlier runs trained.
 */
async function continuableRun(db: Database, request: ReferenceRequest): Promise<Search | null> {
  const base = request.referenceId;
  for (let attempt = 1; ; attempt++) {
    const id = attempt === 1 ? base : `${base}-r${attempt}`;
    const existing = await getSearch(db, id);
    if (existing && existing.kind !== 'reference')
      throw new RequestError('--id', `${id} names a ${existing.kind} run here; choose another --id`);
    if (existing) requireSameRequest('reference build', id, existing.config, { ...request, referenceId: id });
    if (existing?.status === 'stopped' || existing?.status === 'failed') {
      printNote(`reference build ${id} ${existing.status}; continuing it as a new run that reuses its trainings`);
      continue;
    }
    request.referenceId = id;
    return existing;
  }
}

async function printSummary(db: Database, referenceId: string, format: Format): Promise<void> {
  const file = await referenceFileOf(db, referenceId, relative(process.cwd(), COMMITTED_REFERENCE_FILE));
  if (file) printData(renderReferenceSummary(file, format));
}

/**
 * Starts the build, or follows the run of the same request already going (started before this
 * home's owner stopped, or by another command); a --parallel given to a running build applies to
 * it. Whether this command started it.
 */
async function startBuild(stack: Stack, request: ReferenceRequest, parallelGiven: boolean): Promise<boolean> {
  const client = await stack.client();
  try {
    await client.workflow.start(referenceWorkflow, {
      taskQueue: stack.taskQueues.orchestrator,
      workflowId: request.referenceId,
      args: [request],
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    });
    return true;
  } catch (err) {
    if (!isWorkflowAlreadyStarted(err)) throw err;
    if (!parallelGiven) {
      printNote(`reference build ${request.referenceId} is already running; following it`);
      return false;
    }
    await client.workflow.getHandle(request.referenceId).signal(setParallelismSignal, request.parallel);
    printNote(
      `reference build ${request.referenceId} is already running; following it, now ${request.parallel} at once`,
    );
    return false;
  }
}

/** `nas reference export [--id ID] [--out FILE | -]`: written beside, then renamed, so a reader never sees half a file. */
export async function exportReference({ flags }: CommandInput): Promise<number> {
  const out = stringFlag(flags, 'out') ?? COMMITTED_REFERENCE_FILE;
  const given = stringFlag(flags, 'id');
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    const referenceId = given === undefined ? await latestReferenceId(db) : requireSearchId('--id', given);
    if (!referenceId)
      throw new RequestError(
        '--id',
        `no reference build is recorded in ${nasHome()}: \`nas reference build --wait\` runs one`,
      );
    const shownOut =
      out === '-' ? relative(process.cwd(), COMMITTED_REFERENCE_FILE) : relative(process.cwd(), resolve(out));
    const file = await referenceFileOf(db, referenceId, shownOut);
    if (!file) throw new RequestError('--id', `${referenceId} is not a reference build in ${nasHome()}`);
    const text = renderReferenceFile(file);
    if (out === '-') {
      printData(text.trimEnd());
    } else {
      const path = resolve(out);
      writeFileSync(`${path}.partial`, text);
      renameSync(`${path}.partial`, path);
    }
    const second = file.architectures.filter((a) => a.trainings.some((t) => t.training === 'reference-seed2')).length;
    printNote(
      `${referenceId}: ${file.architectures.length} of ${file.planned.architectures} architectures measured ` +
        `(${file.cpu.trainings} trainings, ${second} with a second seed), ${(file.cpu.seconds / 3600).toFixed(2)} CPU hours` +
        `${out === '-' ? '' : ` -> ${shownOut}`}`,
    );
    return 0;
  } finally {
    await stack.close();
  }
}

/** `nas reference status [--id ID] [--format ...]`: per kind of training, measured / planned, CPU hours, mean test accuracy. */
export async function referenceStatus({ flags }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const given = stringFlag(flags, 'id');
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    const referenceId = given === undefined ? await latestReferenceId(db) : requireSearchId('--id', given);
    if (!referenceId)
      throw new RequestError(
        '--id',
        `no reference build is recorded in ${nasHome()}: \`nas reference build --wait\` runs one`,
      );
    const file = await referenceFileOf(db, referenceId, relative(process.cwd(), COMMITTED_REFERENCE_FILE));
    if (!file) throw new RequestError('--id', `${referenceId} is not a reference build in ${nasHome()}`);
    const run = await getSearch(db, referenceId);
    printNote(
      `${referenceId}: ${run?.status}, ${file.architectures.length} of ${file.planned.architectures} architectures measured`,
    );
    printData(renderReferenceSummary(file, format));
    return 0;
  } finally {
    await stack.close();
  }
}
