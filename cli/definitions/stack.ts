/** `nas dev`, `nas worker`, `nas db migrate`: running the stack and its parts. */
import type { Command } from 'commander';
import { runs } from '../command-line';
import { addFlags, backendFlag, example, flag, taskQueueFlag } from '../options';

export function defineStack(program: Command): void {
  const dev = program
    .command('dev')
    .summary('keep the embedded stack up: Temporal dev server, database, in-process workers (Ctrl-C stops it)');
  addFlags(dev, [flag('--parallel <n>', 'trainings the in-process trainer runs at once', { default: 1 }), taskQueueFlag(), backendFlag()]);
  example(dev, 'nas dev --parallel 2');
  dev.action(runs(async (input) => (await import('../commands/dev')).devCommand(input)));

  const worker = program
    .command('worker')
    .summary('a standalone worker against TEMPORAL_ADDRESS and DATABASE_URL (SIGTERM stops it gracefully)')
    .argument('<role>', 'orchestrator or trainer');
  addFlags(worker, [
    taskQueueFlag(),
    backendFlag(),
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
