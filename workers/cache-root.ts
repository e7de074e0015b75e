/** The project's per-user cache: workflow bundles (workflow-bundle.ts) and the Temporal CLI (stack/temporal/). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `${XDG_CACHE_HOME ?? ~/.cache}/nas-orchestrator` */
export function nasCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nas-orchestrator');
}
