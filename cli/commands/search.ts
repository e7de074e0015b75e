import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { searchProgress } from '../../db/queries/progress';
import { RequestError, requirePositiveInteger } from '../../search/request';
import { searchWorkflow, type SearchSummary } from '../../workflows/search';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setParallelismSignal,
  stopSignal,
  type SearchProgress,
} from '../../workflows/signals';
import { parseFlags, stringFlag } from '../args';
import { progressLine } from '../progress';
import { SEARCH_START_FLAGS, searchRequestFromFlags } from '../search-request';
import { openStack, openStackToStart, WORKFLOW_TASK_TIMEOUT, type Stack } from '../../stack/embedded';
import { renderLeaderboard } from './leaderboard';

export async function searchCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'start':
      return startSearch(rest);
    case 'status':
      return searchStatus(rest);
    case 'stop':
    case 'pause':
    case 'resume':
    case 'scale':
      return steerSearch(sub, rest);
    default:
      throw new RequestError('nas search', `unknown subcommand ${JSON.stringify(sub ?? '')}; allowed: start, status, stop, pause, resume, scale`);
  }
}

async function startSearch(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, SEARCH_START_FLAGS);
  const request = searchRequestFromFlags(flags);
  const wait = flags.wait === true;
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'run the search', { parallel: request.parallel });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    const client = await stack.client();
    const handle = await client.workflow.start(searchWorkflow, {
      taskQueue: stack.taskQueues.orchestrator,
      workflowId: request.searchId,
      args: [request],
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
    });
    console.log(`search ${request.searchId} started (${request.trials} trials, ${request.parallel} in parallel)`);
    if (stack.uiUrl) console.log(`Temporal UI: ${stack.uiUrl}/namespaces/default/workflows/${request.searchId}`);
    if (!wait) return 0;
    const summary = await followSearch(handle);
    console.log(`search ${summary.searchId} ${summary.status}: ${describeCounts(summary.counts)}`);
    const { db } = await stack.database();
    console.log(await renderLeaderboard(db, { searchId: request.searchId, includeBaselines: true }));
    return 0;
  } finally {
    await stack.close();
  }
}

/** Shows a live status line until the search ends; returns its summary. */
async function followSearch(handle: WorkflowHandle<typeof searchWorkflow>): Promise<SearchSummary> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let last = '';
  const show = async () => {
    const progress = await handle.query(progressQuery).catch(() => null);
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

async function searchStatus(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
  const searchId = requireSearchArg(positionals, 'status');
  const stack = await openStack({ own: false });
  try {
    const live = stack.temporal ? await liveProgress(await stack.client(), searchId) : null;
    const { db } = await stack.database();
    const stored = await searchProgress(db, searchId);
    if (!live && stored.total === 0) throw new RequestError('<search-id>', `no search ${searchId} is known here`);
    if (flags.json) {
      console.log(JSON.stringify({ live, stored }, null, 2));
      return 0;
    }
    if (live) {
      console.log(progressLine(live, 0).replace(/, elapsed .*$/, ''));
      if (live.running.length) console.log(`running: ${live.running.join(', ')}`);
      const summary = Object.entries(live.strategy).map(([k, v]) => `${k}=${v}`).join(' ');
      if (summary) console.log(`strategy: ${summary}`);
    }
    const counts = Object.entries(stored.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
    console.log(`recorded: ${stored.total} trials (${counts || 'none'}), ${stored.trainSeconds.toFixed(0)} s of training`);
    if (stored.best) console.log(`best: ${stored.best.trialId} val acc ${(stored.best.valAccuracy * 100).toFixed(2)}%`);
    return 0;
  } finally {
    await stack.close();
  }
}

async function liveProgress(client: Client, searchId: string): Promise<SearchProgress | null> {
  try {
    const handle = client.workflow.getHandle(searchId);
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  // A busy orchestrator may not answer in time; the database still tells what was recorded.
  return client.workflow
    .getHandle(searchId)
    .query(progressQuery)
    .catch((err: unknown) => {
      console.error(`(live progress unavailable: ${(err as Error).message})`);
      return null;
    });
}

async function steerSearch(action: 'stop' | 'pause' | 'resume' | 'scale', argv: string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  const searchId = requireSearchArg(positionals, action);
  const parallel = action === 'scale' ? requirePositiveInteger('<parallel>', positionals[1]) : 0;
  const stack: Stack = await openStack({ own: false });
  try {
    const handle = (await stack.client()).workflow.getHandle(searchId);
    try {
      if (action === 'stop') await handle.signal(stopSignal);
      if (action === 'pause') await handle.signal(pauseSignal);
      if (action === 'resume') await handle.signal(resumeSignal);
      if (action === 'scale') await handle.signal(setParallelismSignal, parallel);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RequestError('<search-id>', `no running search ${searchId}`);
      throw err;
    }
    console.log(action === 'scale' ? `search ${searchId}: parallelism set to ${parallel}` : `search ${searchId}: ${action} requested`);
    return 0;
  } finally {
    await stack.close();
  }
}

function requireSearchArg(positionals: string[], sub: string): string {
  const id = positionals[0];
  if (!id) throw new RequestError('<search-id>', `is required: nas search ${sub} <search-id>${sub === 'scale' ? ' <parallel>' : ''}`);
  return id;
}
