/** How the start commands (search, baselines, scaling study, reference build, finalize) open the stack their workflow runs on. */
import { RequestError } from '../contracts/request-error.ts';
import { openStack, type Stack } from '../stack/embedded.ts';
import { stringFlag, type Flags } from './args.ts';
import { requireBackendFlag, requireThreadsFlag } from './backend-flag.ts';

/**
 * Workflow tasks may wait behind a training batch when the trainer shares the orchestrator's
 * process (the embedded stack), so start commands allow them more than Temporal's default 10 s.
 */
export const WORKFLOW_TASK_TIMEOUT = '30 seconds';

/**
 * The stack a start command runs on (with --wait this process may own it), and the trainer
 * queue its request names: --task-queue, or the stack's own.
 */
export async function openStackToStart(
  flags: Flags,
  what: string,
  /** The request's parallelism: an embedded owner's in-process trainer runs that many trainings at once. */
  options: { parallel: number; namedQueue?: string },
): Promise<{ stack: Stack; trainerTaskQueue: string }> {
  const namedQueue = options.namedQueue ?? stringFlag(flags, 'task-queue');
  const trainerThreads = requireThreadsFlag(flags);
  const stack = await openStack({
    own: flags.wait === true,
    backend: requireBackendFlag(flags),
    trainerTaskQueue: namedQueue,
    trainerConcurrency: options.parallel,
    trainerThreads,
  });
  if (stack.mode === 'offline') {
    await stack.close();
    throw new RequestError(
      '--wait',
      `no embedded stack is running: add --wait to ${what} here, or start \`nas dev\` first`,
    );
  }
  if (trainerThreads !== undefined && stack.mode !== 'owner') {
    await stack.close();
    throw new RequestError(
      '--threads',
      stack.mode === 'external'
        ? 'sets the threads of the trainer this command starts; with TEMPORAL_ADDRESS set, trainers are the workers polling there (`nas worker trainer --threads N` sets theirs): drop --threads'
        : 'sets the threads of the trainer this command starts; a stack already runs here with its own trainer (`nas dev --threads N` sets those): drop --threads',
    );
  }
  // Connected now, so that the command's check of what is recorded and its workflow's start follow each other closely.
  await stack.client().catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
  return { stack, trainerTaskQueue: namedQueue ?? stack.taskQueues.trainer };
}
