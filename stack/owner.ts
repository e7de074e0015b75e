/**
 * The process that owns a home's embedded stack: it starts the Temporal dev server, opens the
 * database, serves it to the home's other commands and runs the in-process workers
 * (stack/embedded.ts loads this module only when a command becomes the owner).
 */
import {
  DefaultLogger,
  GracefulShutdownPeriodExpiredError,
  Runtime,
  makeTelemetryFilterString,
  type LogLevel,
  type LogMetadata,
  type NativeConnection,
  type Worker,
} from '@temporalio/worker';
import { openDatabase } from '../db/client.ts';
import { createOrchestratorWorker } from '../workers/orchestrator-worker.ts';
import { createTrainerWorker } from '../workers/trainer-worker.ts';
import { serveDatabase, type DatabaseEndpoint } from './database-endpoint.ts';
import { embeddedTaskQueues, lazyStack, type Stack, type StackOptions } from './embedded.ts';
import { prepareHome, type HomeLock } from './home-lock.ts';
import { homeSecret } from './home-secret.ts';
import { requireDiskSpace, watchDiskSpace } from './disk-space.ts';
import { connectTemporal, startDevServer, type DevServer } from './temporal/dev-server.ts';
import type { TemporalConnector } from './temporal/connect.ts';
import { failOrphanedActivities } from './orphaned-trainings.ts';

/**
 * The SDK's warnings, minus the one a worker without workflows (the trainer) logs at start-up and
 * the orchestrator's drain cut short on purpose (ORCHESTRATOR_DRAIN_LIMIT).
 */
class EmbeddedSdkLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (message.startsWith('No workflows registered, not polling for workflow tasks')) return;
    if (meta?.error instanceof GracefulShutdownPeriodExpiredError) return;
    super.log(level, message, meta);
  }
}

/**
 * In-process workers share the user's terminal: the SDK's info lines (the workflow bundle report,
 * worker states) and the native core's warnings (a progress query answered late while a batch
 * trains) are dropped; the SDK's warnings and errors still print.
 */
function quietSdkLogs(): void {
  if (Runtime._instance) return;
  Runtime.install({
    // The owner decides when its workers stop (Ctrl-C may only detach from or stop a search).
    shutdownSignals: [],
    logger: new EmbeddedSdkLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
}

/**
 * Another search of the home, resumed by this owner, keeps its orchestrator busy with workflow
 * tasks: a graceful drain waited for them for about two minutes after a stopped search. What
 * a cut-off task had not recorded is done again when the next owner resumes that search.
 */
const ORCHESTRATOR_DRAIN_LIMIT = '10 seconds';

export async function becomeOwner(
  home: string,
  lock: HomeLock,
  options: StackOptions,
  log: (line: string) => void,
): Promise<Stack> {
  quietSdkLogs();
  const closers: Array<() => Promise<void>> = [() => lock.release()];
  const closeAll = async () => {
    lock.publish({ pid: process.pid, state: 'stopping' });
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    requireDiskSpace(prepareHome(home));
    const disk = watchDiskSpace(prepareHome(home));
    closers.push(async () => disk.stop());
    // On a full disk, stopping workers and closing PGlite write (and may wait on writes that
    // cannot end): what PGlite acknowledged is on disk already, so the owner only lets go.
    let diskFull = false;
    disk.low.catch(() => (diskFull = true));
    const unlessDiskFull = (close: () => Promise<void>) => () => (diskFull ? Promise.resolve() : close());
    // The dev server starts in its own process while this one opens the database.
    const [server, database] = await Promise.allSettled([startDevServer({ log }), openDatabase()]);
    if (server.status === 'fulfilled') closers.push(() => server.value.stop());
    if (database.status === 'fulfilled') closers.push(unlessDiskFull(() => database.value.close()));
    if (server.status === 'rejected') throw server.reason;
    if (database.status === 'rejected') throw database.reason;
    const devServer: DevServer = server.value;
    const handle = database.value;
    let endpoint: DatabaseEndpoint | null = null;
    if (handle.pglite) {
      endpoint = await serveDatabase(handle.pglite, homeSecret(home));
      closers.push(() => endpoint!.stop());
    }
    const temporal = connectTemporal({
      address: devServer.address,
      namespace: devServer.namespace,
      tls: false,
      apiKey: '',
    });
    const connection: NativeConnection = await temporal.workerConnection();
    closers.push(() => connection.close());
    const taskQueues = embeddedTaskQueues();
    const common = { connection, namespace: temporal.namespace, db: handle.db };
    const workers: Worker[] = await Promise.all([
      createOrchestratorWorker({
        ...common,
        taskQueue: taskQueues.orchestrator,
        shutdownForceTime: ORCHESTRATOR_DRAIN_LIMIT,
      }),
      createTrainerWorker({
        ...common,
        taskQueue: options.trainerTaskQueue ?? taskQueues.trainer,
        backend: options.backend,
        concurrency: options.trainerConcurrency,
        threads: options.trainerThreads,
        log,
      }),
    ]);
    const running = workers.map((worker) => worker.run());
    closers.push(
      unlessDiskFull(async () => {
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        await Promise.allSettled(running);
      }),
    );
    await failOrphans(temporal, log);
    lock.publish({
      pid: process.pid,
      state: 'ready',
      temporalAddress: devServer.address,
      uiUrl: devServer.uiUrl,
      databasePort: endpoint?.port,
    });
    return lazyStack(
      'owner',
      temporal,
      devServer.uiUrl,
      taskQueues,
      async () => handle,
      closeAll,
      true,
      () => lock.attachedCommands(),
      disk.low,
    );
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Retries at once what a dead earlier owner's workers were running (stack/orphaned-trainings.ts). */
async function failOrphans(temporal: TemporalConnector, log: (line: string) => void): Promise<void> {
  const connection = await temporal.clientConnection();
  try {
    const failed = await failOrphanedActivities(connection, temporal.namespace);
    if (failed > 0) log(`owner: retrying ${failed} activity attempt(s) whose worker died with an earlier owner`);
  } catch (error) {
    // Not fatal: Temporal still retries them when their heartbeat or time limit runs out.
    log(`owner: could not look for attempts of dead workers: ${(error as Error).message}`);
  } finally {
    await connection.close();
  }
}
