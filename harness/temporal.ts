/**
 * One way for every workflow test to get a real Temporal server: the local CLI's dev server
 * (random free port, in-memory state), falling back to the SDK's download only when no CLI is found.
 */
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { findTemporalCli, temporalCliMissingMessage } from '../stack/temporal/cli-binary.ts';

export async function createTestEnv(
  options: LocalTestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const cli = await findTemporalCli();
  try {
    return await TestWorkflowEnvironment.createLocal({
      ...options,
      server: {
        ...options.server,
        executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      },
    });
  } catch (error) {
    if (cli) throw error;
    throw new Error(`${temporalCliMissingMessage(true)}\n(SDK download failed: ${(error as Error).message})`);
  }
}
