/** `nas dev`, `nas worker`, `nas db migrate`: running the stack and its parts. */
import type { Command } from 'commander';
import { DEFAULT_TRAINER_TASK_QUEUE, ORCHESTRATOR_TASK_QUEUE } from '../../workers/task-queues.ts';
import { runs } from '../invocation.ts';
import { addFlags, backendFlag, threadsFlag, example, flag, parallelFlag, taskQueueFlag } from '../options.ts';

export function defineStack(program: Command): void {
  const dev = program
    .command('dev')
    .summary('keep the embedded stack up: Temporal dev server, database, in-process workers (Ctrl-C stops it)');
  addFlags(dev, [
    parallelFlag('trainings the in-process trainer runs at once'),
    taskQueueFlag('task queue the in-process trainer polls'),
    backendFlag('tfjs backend of the in-process trainer'),
    threadsFlag('the in-process trainer'),
    flag(
      '--ui-port <port>',
      'port of the dashboard it serves (0: any free port; the default gives way to a free one when taken)',
      { default: 8090 },
    ),
    flag('--ui-host <address>', 'address the dashboard listens on (it has no authentication: another address warns)', {
      default: '127.0.0.1',
    }),
  ]);
  example(dev, 'nas dev --parallel 2');

  const ui = program
    .command('ui')
    .summary(
      'the read-only web dashboard over DATABASE_URL, or over the embedded stack (started as by nas dev when none runs)',
    );
  addFlags(ui, [
    flag('--port <port>', 'port (0: any free port; the default gives way to a free one when taken)', { default: 8090 }),
    flag('--host <address>', 'address to listen on (the dashboard has no authentication: another address warns)', {
      default: '127.0.0.1',
    }),
    flag('--temporal-ui <url>', 'the Temporal Web UI that run pages link their workflow to', {
      defaultText: "the embedded stack's; none over DATABASE_URL",
    }),
  ]);
  example(ui, 'nas ui --port 8090');
  ui.action(runs(async (input) => (await import('../commands/ui.ts')).uiCommand(input)));
  dev.action(runs(async (input) => (await import('../commands/dev.ts')).devCommand(input)));

  const worker = program
    .command('worker')
    .summary('a standalone worker against TEMPORAL_ADDRESS and DATABASE_URL (SIGTERM stops it gracefully)')
    .argument('<role>', 'orchestrator or trainer');
  addFlags(worker, [
    flag('--task-queue <queue>', 'task queue this worker polls', {
      defaultText: `${ORCHESTRATOR_TASK_QUEUE}, or ${DEFAULT_TRAINER_TASK_QUEUE} for a trainer`,
    }),
    backendFlag('tfjs backend of a trainer'),
    flag('--concurrency <n>', 'trainings a trainer runs at once', { default: 1 }),
    threadsFlag('a trainer'),
    flag('--identity <name>', 'worker identity shown by Temporal', { defaultText: "Temporal's: <pid>@<host>" }),
  ]);
  example(worker, 'TEMPORAL_ADDRESS=temporal:7233 DATABASE_URL=postgres://... nas worker trainer --backend tensorflow');
  worker.action(runs(async (input) => (await import('../commands/worker.ts')).workerCommand(input)));

  const db = program.command('db').summary('the results database');
  const migrate = db.command('migrate').summary("apply pending migrations to DATABASE_URL, or to the home's PGlite");
  example(migrate, 'DATABASE_URL=postgres://nas@db/nas nas db migrate');
  migrate.action(runs(async (input) => (await import('../commands/db.ts')).dbCommand(input)));
}
