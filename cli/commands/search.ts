import type { Client, WorkflowHandle } from '@temporalio/client';
import { isWorkflowAlreadyStarted, isWorkflowNotFound } from '../../stack/temporal/client-errors.ts';
import { getSearch, type Search } from '../../db/queries/searches.ts';
import { TRIAL_STATES } from '../../contracts/trial-state.ts';
import { TERMINAL_SEARCH_STATUSES } from '../../db/vocabulary.ts';
import type { SearchRequest } from '../../search/request.ts';
import { searchProgress, type SearchProgress as StoredProgress } from '../../db/queries/progress.ts';
import { listEpochs } from '../../db/queries/trials.ts';
import type { EpochMetrics } from '../../contracts/activities.ts';
import { sharingRounds, type SharingRound } from '../../db/queries/sharing-rounds.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requirePositiveInteger } from '../../contracts/field-checks.ts';
import { searchWorkflow, type SearchSummary } from '../../workflows/search.ts';
import { enasSearchWorkflow } from '../../workflows/enas-search.ts';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setParallelismSignal,
  stopSignal,
  type SearchProgress,
} from '../../workflows/signals.ts';
import type { CommandInput } from '../invocation.ts';
import { formatOf, renderRows, type Column, type Format } from '../format.ts';
import { percent } from '../../numeric/number-text.ts';
import { printData, printNote } from '../output.ts';
import { progressLine } from '../progress.ts';
import { searchRequestFromFlags } from '../search-request.ts';
import { nasHome, openStack, type Stack } from '../../stack/embedded.ts';
import { openStackToStart, WORKFLOW_TASK_TIMEOUT } from '../stack-to-start.ts';
import { followUntilInterrupted } from '../follow.ts';
import { unlessStackFails } from '../unless-stack-fails.ts';
import { liveWorkflow, waitForOtherRuns } from '../other-runs.ts';
import { requireSameRequest } from '../same-request.ts';
import { restoreTrainer, trainerRecord } from '../trainer-record.ts';
import { renderLeaderboard } from './leaderboard.ts';
import { finalLeaderboard } from '../../db/queries/final-leaderboard.ts';
import { leaderboard } from '../../db/queries/leaderboard.ts';
import type { Database } from '../../db/client.ts';
import { renderFinalLeaderboard } from '../final-report.ts';
import { unserved, unservedNote, watchTrainerQueue } from '../trainer-queue.ts';
import { queryWithin } from '../live-query.ts';

export async function startSearch({ flags }: CommandInput): Promise<number> {
  const request = searchRequestFromFlags(flags);
  const format = formatOf(flags);
  const wait = flags.wait === true;
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'run the search', { parallel: request.parallel });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    request.trainer = trainerRecord(flags);
    const { db } = await stack.database();
    const existing = await getSearch(db, request.searchId);
    if (existing) {
      // A search recorded before trainers were has none to compare.
      const given = (existing.config as Partial<SearchRequest>).trainer ? request : { ...request, trainer: undefined };
      requireSameRequest(
        'search',
        request.searchId,
        existing.config,
        given,
        flags.window === undefined ? ['strategy.window'] : [],
      );
      printNote(`search ${request.searchId} exists with this request (${existing.status}); following it`);
    } else {
      await startSearchWorkflow(await stack.client(), stack.taskQueues.orchestrator, request);
      printNote(`search ${request.searchId} started (${request.trials} trials, ${request.parallel} in parallel)`);
    }
    if (stack.uiUrl) printNote(`Temporal UI: ${stack.uiUrl}/namespaces/default/workflows/${request.searchId}`);
    return wait ? await followToTheEnd(stack, request.searchId, format, trainerTaskQueue) : 0;
  } finally {
    await stack.close();
  }
}

async function startSearchWorkflow(client: Client, taskQueue: string, request: SearchRequest): Promise<void> {
  try {
    await client.workflow.start(request.sharing ? enasSearchWorkflow : searchWorkflow, {
      taskQueue,
      workflowId: request.searchId,
      args: [request],
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    });
  } catch (err) {
    if (isWorkflowAlreadyStarted(err)) {
      throw new RequestError(
        '--id',
        `a search named ${request.searchId} is being started by another command; follow it with \`nas search status ${request.searchId}\``,
      );
    }
    throw err;
  }
}

/**
 * Follows a search until it ends, printing its leaderboard and final table (JSON: one object with
 * both; CSV: the two tables separated by a blank line): exit 0 when it finished (failed or
 * diverged trials are results in that table), 1 when it ended failed or stopped. Ctrl-C detaches
 * or stops it (cli/follow.ts).
 */
async function followToTheEnd(
  stack: Stack,
  searchId: string,
  format: Format,
  trainerTaskQueue?: string,
): Promise<number> {
  const { db } = await stack.database();
  const stored = await getSearch(db, searchId);
  if (stored && TERMINAL_SEARCH_STATUSES.includes(stored.status)) {
    printNote(`search ${searchId} already ${stored.status}${stored.error ? `: ${stored.error}` : ''}`);
  } else {
    const client = await stack.client();
    const queue = trainerTaskQueue ?? (stored?.config as Partial<SearchRequest> | undefined)?.trainerTaskQueue;
    const stopWatching = queue ? watchTrainerQueue(client, db, searchId, queue) : () => {};
    const handle = client.workflow.getHandle<typeof searchWorkflow>(searchId);
    const following = unlessStackFails(
      stack,
      followSearch(handle),
      `search ${searchId}`,
      `nas search resume ${searchId}`,
    );
    const summary = await followUntilInterrupted(following, {
      searchId,
      ownsStack: stack.mode === 'owner',
      home: nasHome(),
      stop: () => handle.signal(stopSignal),
    }).finally(stopWatching);
    printNote(`search ${summary.searchId} ${summary.status}: ${describeCounts(summary.counts)}`);
  }
  printData(await renderSearchResults(db, searchId, format));
  if (stack.mode === 'owner') await waitForOtherRuns(stack, searchId);
  return (await getSearch(db, searchId))?.status === 'finished' ? 0 : 1;
}

async function renderSearchResults(db: Database, searchId: string, format: Format): Promise<string> {
  const view = { searchId, includeBaselines: true };
  const recorded = await finalLeaderboard(db, searchId);
  const final = recorded && recorded.rows.length > 0 ? recorded : null;
  if (format === 'json') return JSON.stringify({ leaderboard: await leaderboard(db, view), final }, null, 2);
  const board = await renderLeaderboard(db, { ...view, format });
  return final ? `${board}\n\n${renderFinalLeaderboard(final, format)}` : board;
}

/** Shows a live status line until the search ends; returns its summary. */
async function followSearch(handle: WorkflowHandle<typeof searchWorkflow>): Promise<SearchSummary> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let last = '';
  let inFlight: Promise<unknown> | null = null;
  const show = async () => {
    if (inFlight) return; // one progress query at a time: a busy orchestrator answers late
    const query = queryWithin(handle, progressQuery).catch(() => null);
    inFlight = query;
    const progress = await query;
    inFlight = null;
    if (!progress) return;
    const line = progressLine(progress, (Date.now() - started) / 1000);
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (stripTimes(line) !== stripTimes(last)) process.stderr.write(`${line}\n`);
    last = line;
  };
  const timer = setInterval(() => void show(), 1000);
  try {
    return await handle.result();
  } finally {
    clearInterval(timer);
    // A query still retrying when the connection closes would throw from its retry timer.
    await inFlight;
    if (tty) process.stderr.write('\n');
  }
}

function stripTimes(line: string): string {
  return line.replace(/, elapsed .*$/, '');
}

function describeCounts(counts: SearchSummary['counts']): string {
  return Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
}

export async function searchStatus({ flags, args }: CommandInput): Promise<number> {
  const [searchId] = args;
  const format = formatOf(flags);
  const stack = await openStack({ own: false });
  try {
    const live = stack.temporal ? await liveProgress(await stack.client(), searchId) : null;
    const { db } = await stack.database();
    const stored = await searchProgress(db, searchId);
    if (!live && stored.total === 0) throw new RequestError('<search-id>', `no search ${searchId} is known here`);
    const row = await getSearch(db, searchId);
    const sharing = row?.strategy === 'enas' ? await sharingRounds(db, searchId) : undefined;
    if (format === 'table') {
      const lastEpochs = new Map(
        await Promise.all(live?.running.map(async (id) => [id, (await listEpochs(db, id)).at(-1)] as const) ?? []),
      );
      printData(statusText(searchId, live, stored, row, stack, lastEpochs));
      if (sharing) printData(sharingText(sharing));
      const queue = (row?.config as Partial<SearchRequest> | undefined)?.trainerTaskQueue;
      if (live && queue && (await unserved(await stack.client(), db, searchId, queue))) printData(unservedNote(queue));
    } else if (format === 'json') printData(JSON.stringify({ live, stored, ...(sharing && { sharing }) }, null, 2));
    else {
      const record = { searchId, status: row?.status ?? null, stored };
      printData(renderRows([record], STATUS_COLUMNS, format, (r) => ({ searchId, status: r.status, ...r.stored })));
    }
    return 0;
  } finally {
    await stack.close();
  }
}

/** `--format csv|markdown`: one row of what is recorded (CSV: the fields of JSON's `stored`). */
const STATUS_COLUMNS: Column<{ searchId: string; status: string | null; stored: StoredProgress }>[] = [
  { header: 'id', value: (r) => r.searchId },
  { header: 'status', value: (r) => r.status },
  { header: 'trials', value: (r) => r.stored.total, align: 'right' },
  ...TRIAL_STATES.map(
    (state): Column<{ stored: StoredProgress }> => ({
      header: state,
      value: (r) => r.stored.counts[state],
      align: 'right',
    }),
  ),
  { header: 'best trial', value: (r) => r.stored.best?.trialId ?? null },
  { header: 'best val acc', value: (r) => percent(r.stored.best?.valAccuracy ?? null), align: 'right' },
  { header: 'train s', value: (r) => r.stored.trainSeconds.toFixed(0), align: 'right' },
];

function statusText(
  searchId: string,
  live: SearchProgress | null,
  stored: StoredProgress,
  row: Search | null,
  stack: Stack,
  lastEpochs: ReadonlyMap<string, EpochMetrics | undefined>,
): string {
  const lines: string[] = [];
  if (live) {
    lines.push(progressLine(live));
    for (const id of live.running) {
      const epoch = lastEpochs.get(id);
      const last = epoch
        ? `: epoch ${epoch.epoch + 1} done in ${epoch.seconds.toFixed(0)} s, train acc ${percent(epoch.trainAccuracy)}, val acc ${percent(epoch.valAccuracy)}`
        : '';
      lines.push(`running: ${id}${last}`);
    }
    const summary = Object.entries(live.strategy)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    if (summary) lines.push(`strategy: ${summary}`);
  }
  const counts = Object.entries(stored.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  lines.push(`recorded: ${stored.total} trials (${counts || 'none'}), ${stored.trainSeconds.toFixed(0)} s of training`);
  if (stored.best) lines.push(`best: ${stored.best.trialId} val acc ${(stored.best.valAccuracy * 100).toFixed(2)}%`);
  if (stack.mode === 'offline' && row && !TERMINAL_SEARCH_STATUSES.includes(row.status)) {
    lines.push(
      `no stack runs in ${nasHome()}, so this ${row.status} search waits: \`nas search resume ${searchId}\` finishes it`,
    );
  }
  return lines.join('\n');
}

/** A weight-sharing search's rounds: the shared network's training curve, the controller's entropy, the scores. */
function sharingText(rounds: SharingRound[]): string {
  const lines = [
    "shared network by round (training loss and accuracy over the round's steps; scores of its candidates):",
  ];
  for (const r of rounds) {
    const entropy =
      r.entropyPerDecision === null ? '' : `, controller entropy ${r.entropyPerDecision.toFixed(3)}/decision`;
    const cpu =
      r.trainCpuSeconds === null || r.scoreCpuSeconds === null
        ? ''
        : `, CPU s ${r.trainCpuSeconds.toFixed(0)} + ${r.scoreCpuSeconds.toFixed(0)}`;
    lines.push(
      `  round ${r.round} (step ${r.sharedStep}, trained on ${r.trainedOn} samples): train loss ${r.trainLoss.toFixed(3)} acc ${percent(r.trainAccuracy)}; ${r.scored} scored, mean ${percent(r.meanScore)} best ${percent(r.bestScore)}${entropy}${cpu}`,
    );
  }
  const costed = rounds.filter((r) => r.trainCpuSeconds !== null && r.scoreCpuSeconds !== null);
  if (costed.length > 0) {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const train = sum(costed.map((r) => r.trainCpuSeconds!));
    const score = sum(costed.map((r) => r.scoreCpuSeconds!));
    lines.push(
      `CPU time of ${costed.length} round(s) on the trainer: ${train.toFixed(0)} s training the shared network + ${score.toFixed(0)} s scoring = ${(train + score).toFixed(0)} s`,
    );
  }
  return lines.join('\n');
}

async function liveProgress(client: Client, searchId: string): Promise<SearchProgress | null> {
  if (!(await liveWorkflow(client, searchId))) return null;
  // A busy orchestrator may not answer in time; the database still tells what was recorded.
  return queryWithin(client.workflow.getHandle(searchId), progressQuery).catch((err: unknown) => {
    printNote(`(live progress unavailable: ${(err as Error).message})`);
    return null;
  });
}

export async function steerSearch(
  action: 'stop' | 'pause' | 'resume' | 'scale',
  { flags, args }: CommandInput,
): Promise<number> {
  const [searchId, parallelText] = args;
  const parallel = action === 'scale' ? requirePositiveInteger('<parallel>', parallelText) : 0;
  const format = formatOf(flags);
  let stack: Stack = await openStack({ own: false });
  try {
    if (stack.mode === 'offline') {
      if (action !== 'resume') {
        throw new RequestError(
          'NAS_HOME',
          `no stack runs in ${nasHome()}: \`nas search resume ${searchId}\` starts one and finishes the search`,
        );
      }
      stack = await recoveryStack(stack, searchId);
    }
    const handle = (await stack.client()).workflow.getHandle(searchId);
    try {
      if (action === 'stop') await handle.signal(stopSignal);
      if (action === 'pause') await handle.signal(pauseSignal);
      if (action === 'resume') await handle.signal(resumeSignal);
      if (action === 'scale') await handle.signal(setParallelismSignal, parallel);
    } catch (err) {
      if (isWorkflowNotFound(err)) throw new RequestError('<search-id>', `no running search ${searchId}`);
      throw err;
    }
    printNote(
      action === 'scale'
        ? `search ${searchId}: parallelism set to ${parallel}`
        : `search ${searchId}: ${action} requested`,
    );
    return stack.mode === 'owner' || flags.wait === true ? await followToTheEnd(stack, searchId, format) : 0;
  } finally {
    await stack.close();
  }
}

/**
 * No stack runs in the home (its owner died or was stopped): this process becomes the owner, with
 * the trainer the search was started with (its task queue, backend and simulation settings), and
 * stays until the search ends.
 */
async function recoveryStack(offline: Stack, searchId: string): Promise<Stack> {
  const stored = await getSearch((await offline.database()).db, searchId);
  await offline.close();
  if (!stored) throw new RequestError('<search-id>', `no search ${searchId} is known in ${nasHome()}`);
  const request = stored.config as Partial<SearchRequest>;
  const backend = restoreTrainer(request.trainer);
  printNote(
    `no stack runs in ${nasHome()}: starting one to finish search ${searchId}${backend ? ` (--backend ${backend}, as it was started)` : ''}`,
  );
  return openStack({
    own: true,
    trainerConcurrency: request.parallel ?? 1,
    trainerTaskQueue: request.trainerTaskQueue,
    backend,
  });
}
