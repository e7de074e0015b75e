/**
 * `nas search finalize <search-id>`: the final evaluation of a search (workflows/finalize.ts), and
 * `nas search fidelity <search-id>`: whether the search's cheap trainings predicted its ranking.
 */
import { isWorkflowAlreadyStarted } from '../../stack/temporal/client-errors.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { fidelityReport, finalLeaderboard } from '../../db/queries/final-leaderboard.ts';
import { getSearch } from '../../db/queries/searches.ts';
import { TERMINAL_SEARCH_STATUSES } from '../../db/vocabulary.ts';
import { DEFAULT_FINAL_REPEATS, defaultFinalProtocol, finalIdOf, type FinalizeRequest } from '../../search/final.ts';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../../contracts/protocol.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requirePositiveInteger, requireSearchId } from '../../contracts/field-checks.ts';
import { validateFinalizeRequest } from '../../search/validate-request.ts';
import { nasHome, openStack, type Stack } from '../../stack/embedded.ts';
import { openStackToStart, WORKFLOW_TASK_TIMEOUT } from '../stack-to-start.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../../workers/task-queues.ts';
import { finalizeWorkflow, type FinalizeSummary } from '../../workflows/finalize.ts';
import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { requireBackendFlag, simulatesTraining } from '../backend-flag.ts';
import { trainerRecord } from '../trainer-record.ts';
import { renderFidelity, renderFinalLeaderboard } from '../final-report.ts';
import { requireSameRequest } from '../same-request.ts';
import { formatOf } from '../format.ts';
import { printData, printNote } from '../output.ts';
import { validateAsFlags } from '../request-fields.ts';
import { baselineEntriesFromFlag, protocolFromFlags } from '../search-request.ts';
import { waitForOtherRuns } from '../other-runs.ts';
import { describeCounts, followPoolRun } from '../follow-run.ts';

/** The search's recorded request (its protocol and task queue), read without owning the stack. */
async function recordedSearch(searchId: string): Promise<{ protocol: TrainingProtocol; trainerTaskQueue?: string }> {
  const stack = await openStack({ own: false });
  try {
    const search = await getSearch((await stack.database()).db, searchId);
    if (!search) throw new RequestError('<search-id>', `no search ${searchId} is known in ${nasHome()}`);
    if (search.kind !== 'search')
      throw new RequestError('<search-id>', `${searchId} is a ${search.kind} run, not a search`);
    if (!TERMINAL_SEARCH_STATUSES.includes(search.status)) {
      throw new RequestError(
        '<search-id>',
        `search ${searchId} is ${search.status}: finalize it once it has ended (its candidates are not known before)`,
      );
    }
    const config = search.config as { protocol?: TrainingProtocol; trainerTaskQueue?: string };
    return { protocol: config.protocol ?? DEFAULT_PROTOCOL, trainerTaskQueue: config.trainerTaskQueue };
  } finally {
    await stack.close();
  }
}

export async function finalizeSearch({ flags, args }: CommandInput): Promise<number> {
  const searchId = requireSearchId('<search-id>', args[0]);
  requireBackendFlag(flags);
  const recorded = await recordedSearch(searchId);
  // The default final protocol of the search's protocol; each protocol flag given replaces its field.
  const protocol = protocolFromFlags(flags, {
    checkData: !simulatesTraining(flags),
    defaults: defaultFinalProtocol(recorded.protocol),
  });
  const { input, classes } = datasetShape(protocol);
  const plan = {
    top: requirePositiveInteger('--top', stringFlag(flags, 'top') ?? 3),
    repeats: requirePositiveInteger('--repeats', stringFlag(flags, 'repeats') ?? DEFAULT_FINAL_REPEATS),
    baselines: baselineEntriesFromFlag('--baselines', stringFlag(flags, 'baselines')),
    protocol,
  };
  const request: FinalizeRequest = {
    finalId: requireSearchId('--id', stringFlag(flags, 'id') ?? finalIdOf(searchId, plan)),
    searchId,
    ...plan,
    parallel: requirePositiveInteger('--parallel', stringFlag(flags, 'parallel') ?? 1),
    input: { ...input },
    classes,
    trainerTaskQueue: stringFlag(flags, 'task-queue') ?? recorded.trainerTaskQueue ?? DEFAULT_TRAINER_TASK_QUEUE,
  };
  if (request.finalId === searchId) throw new RequestError('--id', `must differ from the search's id (${searchId})`);
  validateAsFlags(() => validateFinalizeRequest(request));
  const format = formatOf(flags);
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'finalize the search', {
    parallel: request.parallel,
  });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    request.trainer = trainerRecord(flags);
    const { db } = await stack.database();
    const existing = await getSearch(db, request.finalId);
    if (existing && existing.kind !== 'final')
      throw new RequestError('--id', `${request.finalId} names a ${existing.kind} run here; choose another --id`);
    if (existing) requireSameFinalize(existing.config as FinalizeRequest, request);
    if (existing?.status === 'finished') {
      printNote(`final evaluation ${request.finalId} of search ${searchId} already finished`);
    } else {
      await startFinalize(stack, request);
      const planned = (request.top + request.baselines.length) * request.repeats;
      printNote(
        `final evaluation ${request.finalId} of search ${searchId} started (up to ${planned} trainings, ${request.parallel} in parallel)`,
      );
      if (stack.uiUrl) printNote(`Temporal UI: ${stack.uiUrl}/namespaces/default/workflows/${request.finalId}`);
      if (flags.wait !== true) return 0;
      const summary = await followPoolRun<FinalizeSummary>(
        stack,
        request.finalId,
        10_000,
        `nas search resume ${request.finalId}`,
      );
      printNote(
        `final evaluation ${summary.finalId} ${summary.status}: ${summary.candidates} candidate(s), ${describeCounts(summary.counts)}`,
      );
    }
    if (flags.wait !== true) return 0;
    const board = await finalLeaderboard(db, searchId, request.finalId);
    if (board) printData(renderFinalLeaderboard(board, format));
    if (stack.mode === 'owner') await waitForOtherRuns(stack, request.finalId);
    // Failed or diverged trainings are results in that table; the run itself has to have finished.
    return (await getSearch(db, request.finalId))?.status === 'finished' ? 0 : 1;
  } finally {
    await stack.close();
  }
}

async function startFinalize(stack: Stack, request: FinalizeRequest): Promise<void> {
  try {
    await (await stack.client()).workflow.start(finalizeWorkflow, {
      taskQueue: stack.taskQueues.orchestrator,
      workflowId: request.finalId,
      args: [request],
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    });
  } catch (err) {
    // Another command started it (its record may not be written yet): follow it if it runs this request.
    if (!isWorkflowAlreadyStarted(err)) throw err;
    requireSameFinalize(await startedRequest(stack, request.finalId), request);
    printNote(`final evaluation ${request.finalId} is already running with this request; following it`);
  }
}

/**
 * Baselines compared by name (their genotypes come from the registry; stored JSON reorders keys);
 * a final evaluation recorded before trainers were has none to compare.
 */
function requireSameFinalize(existing: FinalizeRequest, request: FinalizeRequest): void {
  const byName = (r: FinalizeRequest) => ({ ...r, baselines: r.baselines.map((b) => b.name) });
  const given = existing.trainer ? request : { ...request, trainer: undefined };
  requireSameRequest('final evaluation', request.finalId, byName(existing), byName(given));
}

/** The request a running workflow was started with: the input of its history's first event. */
async function startedRequest(stack: Stack, workflowId: string): Promise<FinalizeRequest> {
  const history = await (await stack.client()).workflow.getHandle(workflowId).fetchHistory();
  const [payload] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (!payload) throw new Error(`workflow ${workflowId} has no recorded input`);
  const { defaultPayloadConverter } = await import('@temporalio/client');
  return defaultPayloadConverter.fromPayload<FinalizeRequest>(payload);
}

/** `nas search fidelity <search-id> [--format table|json|markdown|csv] [--final-id ID]`. */
export async function searchFidelity({ flags, args }: CommandInput): Promise<number> {
  const searchId = requireSearchId('<search-id>', args[0]);
  const format = formatOf(flags);
  const stack = await openStack({ own: false });
  try {
    const report = await fidelityReport((await stack.database()).db, searchId, stringFlag(flags, 'final-id'));
    if (!report)
      throw new RequestError(
        '<search-id>',
        `search ${searchId} has no final evaluation: \`nas search finalize ${searchId} --wait\` runs one`,
      );
    printData(renderFidelity(report, format));
    return 0;
  } finally {
    await stack.close();
  }
}
