import type { Worker } from '@temporalio/worker';
import { openDatabase } from '../../db/client.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requireOneOf, requirePositiveInteger } from '../../contracts/field-checks.ts';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker.ts';
import { connectTemporal } from '../../stack/temporal/dev-server.ts';
import { createTrainerWorker } from '../../workers/trainer-worker.ts';
import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { requireBackendFlag, requireThreadsFlag } from '../backend-flag.ts';
import { printNote } from '../output.ts';

export const WORKER_ROLES = ['orchestrator', 'trainer'] as const;

/** A long-running worker process against TEMPORAL_ADDRESS and DATABASE_URL. SIGTERM shuts it down gracefully. */
export async function workerCommand({ flags, args }: CommandInput): Promise<number> {
  const role = requireOneOf('<role>', args[0], WORKER_ROLES);
  if (!process.env.TEMPORAL_ADDRESS) {
    throw new RequestError(
      'TEMPORAL_ADDRESS',
      'must name the Temporal frontend (host:port) for a standalone worker; on one machine use `nas dev`',
    );
  }
  const backend = requireBackendFlag(flags);
  const concurrency = requirePositiveInteger('--concurrency', stringFlag(flags, 'concurrency') ?? 1);
  const threads = requireThreadsFlag(flags);
  const temporal = connectTemporal();
  const connection = await temporal.workerConnection();
  const database = await openDatabase();
  const log = (line: string) => printNote(`[${role}] ${line}`);
  try {
    const common = {
      connection,
      namespace: temporal.namespace,
      db: database.db,
      taskQueue: stringFlag(flags, 'task-queue'),
      identity: stringFlag(flags, 'identity'),
    };
    const worker: Worker =
      role === 'orchestrator'
        ? await createOrchestratorWorker(common)
        : await createTrainerWorker({ ...common, backend, concurrency, threads, log });
    log(
      `polling ${worker.options.taskQueue} on ${temporal.address} as ${worker.options.identity} (${database.driver} database)`,
    );
    await worker.run();
    log('stopped');
    return 0;
  } finally {
    await connection.close();
    await database.close();
  }
}
