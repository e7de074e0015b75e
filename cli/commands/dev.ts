import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { printNote } from '../output.ts';
import { nasHome, openStack } from '../../stack/embedded.ts';
import { requireBackendFlag, requireThreadsFlag } from '../backend-flag.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requirePositiveInteger } from '../../contracts/field-checks.ts';
import { dashboardAddress, serveDashboard, untilStopped } from './ui.ts';

/** Keeps the embedded stack up until Ctrl-C: dev server, database endpoint, in-process workers. */
export async function devCommand({ flags }: CommandInput): Promise<number> {
  if (process.env.TEMPORAL_ADDRESS) {
    throw new RequestError(
      'TEMPORAL_ADDRESS',
      'is set: nas dev runs the embedded stack; start workers with `nas worker` instead',
    );
  }
  const backend = requireBackendFlag(flags);
  const trainerConcurrency = requirePositiveInteger('--parallel', stringFlag(flags, 'parallel') ?? 1);
  const trainerThreads = requireThreadsFlag(flags);
  const address = dashboardAddress(flags, 'ui-host', 'ui-port');
  const stack = await openStack({
    own: true,
    backend,
    trainerTaskQueue: stringFlag(flags, 'task-queue'),
    trainerConcurrency,
    trainerThreads,
  });
  if (stack.mode !== 'owner') {
    await stack.close();
    throw new RequestError(
      'NAS_HOME',
      `the embedded stack of ${nasHome()} is already running (its Temporal UI: ${stack.uiUrl})`,
    );
  }
  printNote(`Temporal: ${stack.temporal!.address} (namespace ${stack.temporal!.namespace})`);
  printNote(`Temporal UI: ${stack.uiUrl}`);
  try {
    const dashboard = await serveDashboard((await stack.database()).db, address, stack.uiUrl, '--ui-port');
    printNote(`dashboard: ${dashboard.url} (read-only)`);
    printNote(
      `workers: orchestrator + trainer (${trainerConcurrency} training(s) at once) in this process; Ctrl-C stops the stack`,
    );
    await Promise.race([untilStopped(), stack.failure()]);
    printNote('stopping...');
    await dashboard.close();
  } finally {
    await stack.close();
  }
  return 0;
}
