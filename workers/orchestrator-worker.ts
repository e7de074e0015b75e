import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Database } from '../db/client.ts';
import { createOrchestrationActivities } from './activities/orchestration.ts';
import { createScalingActivities } from './activities/scaling.ts';
import { ORCHESTRATOR_TASK_QUEUE } from './task-queues.ts';
import { cachedWorkflowBundle, WORKFLOWS_PATH } from './workflow-bundle.ts';

export { WORKFLOWS_PATH } from './workflow-bundle.ts';

export interface OrchestratorWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Database;
  taskQueue?: string;
  /** A prebuilt bundle; otherwise the cached one (built when its sources changed). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** How long a shutdown may wait for the workflow tasks in flight (default: until they end). */
  shutdownForceTime?: WorkerOptions['shutdownForceTime'];
}

export async function createOrchestratorWorker(options: OrchestratorWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.shutdownForceTime ? { shutdownForceTime: options.shutdownForceTime } : {}),
    workflowBundle: options.workflowBundle ?? (await cachedWorkflowBundle(WORKFLOWS_PATH)),
    activities: { ...createOrchestrationActivities(options.db), ...createScalingActivities(options.db) },
  });
}
