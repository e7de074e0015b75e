/**
 * Activities whose worker died with an earlier owner of this home. Temporal notices a dead trainer
 * only when its heartbeat times out (30 s; an orchestration step without heartbeats only at its
 * 2-minute limit), so a new owner fails those attempts at once and the workflows retry them now,
 * trainings from their last checkpoint. Only attempts of a worker on this host whose process is
 * gone are touched: a live trainer, or one on another machine, keeps its work.
 */
import { hostname } from 'node:os';
import type { Connection } from '@temporalio/client';

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED: a worker runs the attempt. */
const STARTED = 2;

/** The pid of a worker identity (`trainer-123@host`, the SDK's `123@host`) when it ran on this host. */
export function localWorkerPid(identity: string, host = hostname()): number | null {
  const match = /(?:^|-)(\d+)@(.+)$/.exec(identity);
  return match && match[2] === host ? Number(match[1]) : null;
}

export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Fails the started attempts of dead local workers in the namespace's open workflows; returns how many. */
export async function failOrphanedActivities(connection: Connection, namespace: string): Promise<number> {
  const service = connection.workflowService;
  const open = await service.listOpenWorkflowExecutions({ namespace, maximumPageSize: 1000 });
  let failed = 0;
  for (const { execution } of open.executions ?? []) {
    if (!execution?.workflowId) continue;
    const description = await service.describeWorkflowExecution({ namespace, execution });
    for (const activity of description.pendingActivities ?? []) {
      const pid = localWorkerPid(activity.lastWorkerIdentity ?? '');
      if (activity.state !== STARTED || pid === null || pid === process.pid || !processIsGone(pid)) continue;
      await service.respondActivityTaskFailedById({
        namespace,
        workflowId: execution.workflowId,
        runId: execution.runId,
        activityId: activity.activityId,
        identity: `owner-${process.pid}@${hostname()}`,
        failure: {
          message: `its worker ${activity.lastWorkerIdentity} died with an earlier owner of this home`,
          applicationFailureInfo: { type: 'WorkerDied' },
        },
      });
      failed += 1;
    }
  }
  return failed;
}
