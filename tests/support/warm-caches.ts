/**
 * Vitest's global setup: what every file reads from the nas cache (the workflow bundle, the empty
 * migrated database) is built once here, not by two files at once when they start side by side.
 */
import { emptyDatabaseTemplateDataDir } from '../../db/client.ts';
import { cachedWorkflowBundle, WORKFLOWS_PATH } from '../../workers/workflow-bundle.ts';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

export default async function warmCaches(): Promise<void> {
  await Promise.all([cachedWorkflowBundle(WORKFLOWS_PATH, silent), emptyDatabaseTemplateDataDir()]);
}
