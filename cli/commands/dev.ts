import { parseFlags, stringFlag } from '../args';
import { nasHome, openStack } from '../../stack/embedded';
import { BACKEND_PREFERENCES } from '../../engine/backend';
import { requireOneOf, requirePositiveInteger } from '../../search/request';

/** Keeps the embedded stack up until Ctrl-C: dev server, database endpoint, in-process workers. */
export async function devCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, { backend: { type: 'string' }, 'task-queue': { type: 'string' }, parallel: { type: 'string' } });
  if (process.env.TEMPORAL_ADDRESS) {
    console.error('nas dev runs the embedded stack; TEMPORAL_ADDRESS is set, so start workers with `nas worker` instead');
    return 2;
  }
  const backend = requireOneOf('--backend', stringFlag(flags, 'backend') ?? 'auto', BACKEND_PREFERENCES);
  const trainerConcurrency = requirePositiveInteger('--parallel', stringFlag(flags, 'parallel') ?? 1);
  const stack = await openStack({ own: true, backend, trainerTaskQueue: stringFlag(flags, 'task-queue'), trainerConcurrency });
  if (stack.mode !== 'owner') {
    console.error(`nas: the embedded stack of ${nasHome()} is already running (its Temporal UI: ${stack.uiUrl})`);
    await stack.close();
    return 2;
  }
  console.log(`Temporal: ${stack.temporal!.address} (namespace ${stack.temporal!.namespace})`);
  console.log(`Temporal UI: ${stack.uiUrl}`);
  console.log(`workers: orchestrator + trainer (${trainerConcurrency} training(s) at once) in this process; Ctrl-C stops the stack`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping...');
  await stack.close();
  return 0;
}
