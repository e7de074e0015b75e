/** `nas scaling start|status|stop|resume|report`: compound-scaling studies. */
import { writeFileSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { isWorkflowAlreadyStarted, isWorkflowNotFound } from '../../stack/temporal/client-errors.ts';
import { searchProgress } from '../../db/queries/progress.ts';
import { scalingReport, type ScalingReport } from '../../db/queries/scaling-report.ts';
import { RequestError } from '../../contracts/request-error.ts';
import {
  gridCoefficients,
  plannedTrainings,
  studyRepeats,
  type ScalingStudyRequest,
} from '../../search/scaling-plan.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../../workers/task-queues.ts';
import {
  scalingProgressQuery,
  scalingStudyWorkflow,
  type ScalingProgress,
  type ScalingSummary,
} from '../../workflows/scaling.ts';
import { stopSignal } from '../../workflows/signals.ts';
import { stringFlag, type Flags } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { duration } from '../../numeric/number-text.ts';
import { formatOf, type Format } from '../format.ts';
import { printData, printNote } from '../output.ts';
import { REPORT_TABLES, type ReportTable, reportJson, reportSvg, renderSummaryTable } from '../scaling-report.ts';
import { verdict } from '../../dashboard/scaling-report.ts';
import { budgetLines } from '../../dashboard/scaling-budget.ts';
import { simulatesTraining } from '../backend-flag.ts';
import { checkTrainingData } from '../data-check.ts';
import { repeatsFromFlags, scalingRequestFromFlags } from '../scaling-request.ts';
import { validateAsFlags } from '../request-fields.ts';
import { validateScalingRequest } from '../../search/validate-request.ts';
import { openStack } from '../../stack/embedded.ts';
import { openStackToStart, WORKFLOW_TASK_TIMEOUT } from '../stack-to-start.ts';
import { unlessStackFails } from '../unless-stack-fails.ts';
import { queryWithin } from '../live-query.ts';

export async function startStudy({ flags }: CommandInput): Promise<number> {
  const request = scalingRequestFromFlags(flags);
  return runStudy(request, flags, { namedQueue: stringFlag(flags, 'task-queue') });
}

/** Runs the study again under its id: recorded trials settle from their rows, the rest train. */
export async function resumeStudy({ flags, args }: CommandInput): Promise<number> {
  const [studyId] = args;
  const stack = await openStack({ own: false });
  let request: ScalingStudyRequest;
  let changesRepeats: string | undefined;
  try {
    const report = await scalingReport((await stack.database()).db, studyId);
    if (!report) throw new RequestError('<study-id>', `no scaling study ${studyId} is recorded here`);
    const recorded = report.study.config as ScalingStudyRequest;
    request = { ...recorded, ...repeatsFromFlags(flags) };
    validateAsFlags(() => validateScalingRequest(request));
    const changed = (field: 'repeats' | 'gridRepeats') =>
      studyRepeats(request)[field] !== studyRepeats(recorded)[field];
    changesRepeats = changed('repeats') ? '--repeats' : changed('gridRepeats') ? '--grid-repeats' : undefined;
  } finally {
    await stack.close();
  }
  // Its remaining points train: the stored protocol's data must be here as for `scaling start`.
  if (!simulatesTraining(flags)) checkTrainingData(request.protocol, { asFlags: false });
  // A queue of an embedded stack (tagged by NAS_HOME) is whatever this stack's is now; a named queue stays.
  const namedQueue = request.trainerTaskQueue.startsWith(DEFAULT_TRAINER_TASK_QUEUE)
    ? undefined
    : request.trainerTaskQueue;
  return runStudy(request, flags, {
    namedQueue,
    resume: flags.restart === true ? 'restart' : 'follow',
    changesRepeats,
  });
}

/** Starts the study (or, resuming, follows the run that is still going) and with --wait reports it. */
interface RunOptions {
  namedQueue?: string;
  /** When the study's workflow is still open: follow it, or terminate it (its workers are gone) and start again. */
  resume?: 'follow' | 'restart';
  /** The flag (--repeats, --grid-repeats) of a resume asking for other repeats than the recorded run's: an open run cannot take them. */
  changesRepeats?: string;
}

async function runStudy(request: ScalingStudyRequest, flags: Flags, options: RunOptions): Promise<number> {
  const format = formatOf(flags);
  const wait = flags.wait === true;
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'run the study', {
    parallel: request.parallel,
    namedQueue: options.namedQueue,
  });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    const client = await stack.client();
    if (options.resume === 'restart') await terminateOpenRun(client, request.studyId);
    const handle = await client.workflow
      .start(scalingStudyWorkflow, {
        taskQueue: stack.taskQueues.orchestrator,
        workflowId: request.studyId,
        args: [request],
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      })
      .catch((err: unknown) => {
        if (isWorkflowAlreadyStarted(err)) {
          if (options.resume === 'follow' && options.changesRepeats)
            throw repeatsOnOpenRun(request, options.changesRepeats);
          if (options.resume) return client.workflow.getHandle<typeof scalingStudyWorkflow>(request.studyId);
          throw new RequestError(
            '--id',
            `study ${request.studyId} is already running; follow it with \`nas scaling status ${request.studyId}\``,
          );
        }
        throw err;
      });
    const grid = gridCoefficients(request.gridStep, request.tolerance).length;
    printNote(
      `scaling study ${request.studyId} started: base ${request.baseName}, ${grid} grid points at phi=1, ` +
        `phi 0..${request.phiMax}, ${repeatsText(request)}${plannedTrainings(grid, request)} trainings planned`,
    );
    if (stack.uiUrl) printNote(`Temporal UI: ${stack.uiUrl}/namespaces/default/workflows/${request.studyId}`);
    if (!wait) return 0;
    const summary = await unlessStackFails(
      stack,
      followStudy(handle),
      `study ${request.studyId}`,
      `nas scaling resume ${request.studyId}`,
    );
    printNote(`scaling study ${summary.studyId} ${summary.status}${summary.error ? `: ${summary.error}` : ''}`);
    const report = await scalingReport((await stack.database()).db, request.studyId);
    if (report) printData(renderStudyReport(report, format));
    return summary.status === 'finished' ? 0 : 1;
  } finally {
    await stack.close();
  }
}

/** More (or fewer) repeats cannot reach a run that is still going: refused, nothing changed. */
function repeatsOnOpenRun(request: ScalingStudyRequest, flag: string): RequestError {
  const id = request.studyId;
  return new RequestError(
    flag,
    `study ${id} is still running under its recorded repeats and cannot take new ones; ` +
      `stop it (\`nas scaling stop ${id}\`) and resume it with the repeats once it has stopped, or add --restart if its workers are gone`,
  );
}

function repeatsText(request: ScalingStudyRequest): string {
  const { repeats, gridRepeats } = studyRepeats(request);
  return repeats === 1 && gridRepeats === 1
    ? ''
    : `${gridRepeats} seed(s) per grid point, ${repeats} per scaled network, `;
}

async function terminateOpenRun(client: Client, studyId: string): Promise<void> {
  try {
    const handle = client.workflow.getHandle(studyId);
    if ((await handle.describe()).status.name === 'RUNNING') {
      await handle.terminate('nas scaling resume --restart: its workers are gone; recorded trials are kept');
      printNote(`terminated the open run of ${studyId}; starting it again`);
    }
  } catch (err) {
    if (!isWorkflowNotFound(err)) throw err;
  }
}

/** Without `elapsed`, no timing (a status report); with it, the timing comes last. */
function progressText(p: ScalingProgress, elapsed?: number): string {
  const chosen = p.chosen
    ? `, chosen a=${p.chosen.coefficients.alpha} b=${p.chosen.coefficients.beta} g=${p.chosen.coefficients.gamma}`
    : '';
  const failed = (p.counts.failed ?? 0) + (p.counts.diverged ?? 0);
  return `[${p.step}] ${p.settled}/${p.planned} trainings settled, ${p.running.length} running${failed ? `, ${failed} failed` : ''}${chosen}${elapsed === undefined ? '' : `, elapsed ${duration(elapsed)}`}`;
}

async function followStudy(handle: WorkflowHandle<typeof scalingStudyWorkflow>): Promise<ScalingSummary> {
  const started = Date.now();
  let last = '';
  const show = async () => {
    const progress = await queryWithin(handle, scalingProgressQuery).catch(() => null);
    if (!progress) return;
    const line = progressText(progress, (Date.now() - started) / 1000);
    const key = line.replace(/, elapsed .*$/, '');
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    else if (key !== last) process.stderr.write(`${line}\n`);
    last = key;
  };
  const timer = setInterval(() => void show(), 2000);
  try {
    return await handle.result();
  } finally {
    clearInterval(timer);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

async function liveProgress(client: Client, studyId: string): Promise<ScalingProgress | null> {
  try {
    const handle = client.workflow.getHandle(studyId);
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    return await queryWithin(handle, scalingProgressQuery);
  } catch (err) {
    if (isWorkflowNotFound(err)) return null;
    throw err;
  }
}

export async function studyStatus({ args }: CommandInput): Promise<number> {
  const [studyId] = args;
  const stack = await openStack({ own: false });
  try {
    const live = stack.temporal ? await liveProgress(await stack.client(), studyId) : null;
    const report = await scalingReport((await stack.database()).db, studyId);
    if (!live && !report) throw new RequestError('<study-id>', `no scaling study ${studyId} is known here`);
    if (live) printData(progressText(live));
    if (report) {
      const trials = await searchProgress((await stack.database()).db, studyId);
      const counts = Object.entries(trials.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
      printData(
        `recorded: study ${report.study.status}, ${trials.total} trials (${counts || 'none'}), ` +
          `${report.points.length} points, ${duration(trials.trainSeconds)} of training`,
      );
    }
    return 0;
  } finally {
    await stack.close();
  }
}

export async function stopStudy({ args }: CommandInput): Promise<number> {
  const [studyId] = args;
  const stack = await openStack({ own: false });
  try {
    try {
      await (await stack.client()).workflow.getHandle(studyId).signal(stopSignal);
    } catch (err) {
      if (isWorkflowNotFound(err)) throw new RequestError('<study-id>', `no running scaling study ${studyId}`);
      throw err;
    }
    printNote(`scaling study ${studyId}: stop requested (resume later with \`nas scaling resume ${studyId} --wait\`)`);
    return 0;
  } finally {
    await stack.close();
  }
}

export async function reportStudy({ flags, args }: CommandInput): Promise<number> {
  const [studyId] = args;
  const format = formatOf(flags);
  const stack = await openStack({ own: false });
  try {
    const report = await scalingReport((await stack.database()).db, studyId);
    if (!report) throw new RequestError('<study-id>', `no scaling study ${studyId} is recorded here`);
    const svgPath = stringFlag(flags, 'svg');
    if (svgPath) writeFileSync(svgPath, reportSvg(report));
    printData(renderStudyReport(report, format, reportTableOf(flags)));
    if (svgPath) printNote(`plot written to ${svgPath}`);
    return 0;
  } finally {
    await stack.close();
  }
}

function reportTableOf(flags: Flags): ReportTable | undefined {
  const table = stringFlag(flags, 'table');
  if (table === undefined) return undefined;
  if (!(REPORT_TABLES as readonly string[]).includes(table)) {
    throw new RequestError('--table', `must be one of ${REPORT_TABLES.join(', ')}, got ${JSON.stringify(table)}`);
  }
  return table as ReportTable;
}

/**
 * The study's tables with its verdict (CSV: one table, the trainings unless --table names
 * another; --table alone prints that table; JSON: the whole report).
 */
function renderStudyReport(report: ScalingReport, format: Format, table?: ReportTable): string {
  if (format === 'json') return JSON.stringify(reportJson(report), null, 2);
  if (format === 'csv' || table) return renderSummaryTable(report, table ?? 'trainings', format);
  return [
    `scaling study ${report.study.id} (${report.study.status}), base ${report.study.base}`,
    ...budgetLines(report),
    renderSummaryTable(report, 'trainings', format),
    '',
    'Mean accuracy over repeats per method and phi (95% Student-t interval):',
    renderSummaryTable(report, 'methods', format),
    '',
    'Compound minus each single axis at matched FLOPs (95% Welch interval, two-sided p):',
    renderSummaryTable(report, 'comparisons', format),
    '',
    verdict(report).join('\n'),
  ].join('\n');
}
