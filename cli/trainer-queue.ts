/**
 * Says when a run waits on a trainer queue that nobody serves: trials dispatched, none started on a
 * trainer, and no trainer polling the queue. A trainer busy with long trainings does not poll
 * either, so the note waits until no trial of the run is running on one.
 */
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { trialCounts } from '../db/queries/progress.ts';
import { printNote } from './output.ts';

/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY: trainers poll for activity tasks. */
const ACTIVITY_TASK_QUEUE = 2;
export const UNSERVED_NOTICE_SECONDS = 30;
const CHECK_EVERY_MS = 5_000;

export async function trainersPolling(client: Client, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: ACTIVITY_TASK_QUEUE,
  });
  return response.pollers?.length ?? 0;
}

/** Whether trials of `runId` wait on `taskQueue` with no trainer running them or polling for them. */
export async function unserved(client: Client, db: Database, runId: string, taskQueue: string): Promise<boolean> {
  const counts = await trialCounts(db, runId);
  if (counts.running > 0 || counts.queued === 0) return false;
  return (await trainersPolling(client, taskQueue)) === 0;
}

export function unservedNote(taskQueue: string): string {
  return (
    `no trainer polls task queue ${taskQueue}, so the queued trials wait: start one that reaches this Temporal ` +
    `with \`nas worker trainer --task-queue ${taskQueue}\`, or stop the run`
  );
}

/** While a run is followed: the note once, after the queue has been unserved for UNSERVED_NOTICE_SECONDS. */
export function watchTrainerQueue(client: Client, db: Database, runId: string, taskQueue: string): () => void {
  let unservedSince: number | null = null;
  let said = false;
  const check = async () => {
    const now = Date.now();
    if (!(await unserved(client, db, runId, taskQueue).catch(() => false))) unservedSince = null;
    else unservedSince ??= now;
    if (!said && unservedSince !== null && now - unservedSince >= UNSERVED_NOTICE_SECONDS * 1000) {
      said = true;
      printNote(`nas: ${unservedNote(taskQueue)}`);
    }
  };
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  return () => clearInterval(timer);
}
