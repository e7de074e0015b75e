import { setHandler, startChild } from '@temporalio/workflow';
import { finalizeRequestOf } from '../search/final.ts';
import type { SearchRequest } from '../search/request.ts';
import { finalizeWorkflow, type FinalizeSummary } from './finalize.ts';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setParallelismSignal,
  stopSignal,
  type SearchProgress,
} from './signals.ts';

/**
 * The final evaluation as a child workflow (its own id, history, progress query and record, the
 * same as `nas search finalize` would start); the search's signals are passed on to it.
 */
export async function finalizeAsChild(
  request: SearchRequest,
  progress: () => SearchProgress,
): Promise<FinalizeSummary> {
  const finalize = finalizeRequestOf({ ...request, finalize: request.finalize! });
  // The search's own progress, saying where its final evaluation runs (a query cannot ask the child).
  setHandler(progressQuery, () => ({
    ...progress(),
    strategy: { stage: 'finalizing', finalId: finalize.finalId },
  }));
  // A stop that arrives while the child starts is passed on once it has started, not lost.
  let stopBeforeStart = false;
  setHandler(stopSignal, () => void (stopBeforeStart = true));
  const child = await startChild(finalizeWorkflow, { workflowId: finalize.finalId, args: [finalize] });
  // A signal that arrives as the child ends has nowhere to go: dropped, not a failed workflow task.
  const pass = (sent: Promise<void>) => void sent.catch(() => undefined);
  if (stopBeforeStart) pass(child.signal(stopSignal));
  setHandler(stopSignal, () => pass(child.signal(stopSignal)));
  setHandler(pauseSignal, () => pass(child.signal(pauseSignal)));
  setHandler(resumeSignal, () => pass(child.signal(resumeSignal)));
  setHandler(setParallelismSignal, (n: number) => pass(child.signal(setParallelismSignal, n)));
  return child.result();
}
