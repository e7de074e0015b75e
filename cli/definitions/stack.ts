/** `nas dev`, `nas worker`, `nas db migrate`: running the stack and its parts. */
import type { Command } from 'commander';
import { DEFAULT_TRAINER_TASK_QUEUE, ORCHESTRATOR_TASK_QUEUE } from '../../workers/task-queues';
import { runs } from '../invocation';
import { addFlags, backendFlag, example, flag, parallelFlag, taskQueueFlag } from '../options';

export function defineStack(program: Command): void {
  const dev = program
    .command('dev')
    .summary('keep the embedded stack up: Temporal dev server, database, in-process workers (Ctrl-C stops it)');
  addFlags(dev, [
    parallelFlag('trainings the in-process trainer runs at once'),
    taskQueueFlag('task queue the in-process trainer polls'),
    backendFlag('tfjs backend of the in-process trainer'),
  ]);
  example(dev, 'nas dev --parallel 2');
  dev.action(runs(async (input) => (await import('../commands/dev')).devCommand(input)));

  const worker = program
    .command('worker')
    .summary('a standalone worker against TEMPORAL_ADDRESS and DATABASE_URL (SIGTERM stops it gracefully)')
    .argument('<role>', 'orchestrator or trainer');
  addFlags(worker, [
    flag('--task-queue <queue>', 'task queue this worker polls', { defaultText: `${ORCHESTRATOR_TASK_QUEUE}, or ${DEFAULT_TRAINER_TASK_QUEUE} for a trainer` }),
    backendFlag('tfjs backend of a trainer'),
    flag('--concurrency <n>', 'trainings a trainer runs at once', { default: 1 }),
    flag('--identity <name>', 'worker identity shown by Temporal', { defaultText: "Temporal's: <pid>@<host>" }),
  ]);
  example(worker, 'TEMPORAL_ADDRESS=temporal:7233 DATABASE_URL=postgres://... nas worker trainer --backend tensorflow');
  worker.action(runs(async (input) => (await import('../commands/worker')).workerCommand(input)));

  const db = program.command('db').summary('the results database');
  const migrate = db.command('migrate').summary("apply pending migrations to DATABASE_URL, or to the home's PGlite");
  example(migrate, 'DATABASE_URL=postgres://nas@db/nas nas db migrate');
  migrate.action(runs(async (input) => (await import('../commands/db')).dbCommand(input)));
}
