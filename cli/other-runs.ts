/**
 * The owner of a home keeps its stack up, after its own run, while runs that other commands started
 * there still run and while other commands are attached to it (they read through its database).
 */
import type { Client } from '@temporalio/client';
import { isWorkflowNotFound } from '../stack/temporal/client-errors.ts';
import { runningSearchIds } from '../db/queries/searches.ts';
import type { Stack } from '../stack/embedded.ts';
import { printNote } from './output.ts';

export async function waitForOtherRuns(stack: Stack, ownRunId: string): Promise<void> {
  const waiting = untilOtherRunsEnd(stack, ownRunId);
  waiting.catch(() => {}); // a full disk ends the owner first
  await Promise.race([waiting, stack.failure()]);
}

async function untilOtherRunsEnd(stack: Stack, ownRunId: string): Promise<void> {
  const { db } = await stack.database();
  const client = await stack.client();
  let announced = false;
  for (;;) {
    const others: string[] = [];
    for (const id of await runningSearchIds(db)) {
      if (id !== ownRunId && (await liveWorkflow(client, id))) others.push(id);
    }
    const commands = stack.attachedCommands();
    if (others.length === 0 && commands === 0) return;
    if (!announced) {
      const what =
        others.length > 0
          ? `${others.join(', ')} (started by other commands) end`
          : `the ${commands} other nas command(s) using it finish`;
      printNote(`keeping the stack up until ${what}`);
    }
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function liveWorkflow(client: Client, id: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(id).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (isWorkflowNotFound(err)) return false;
    throw err;
  }
}
