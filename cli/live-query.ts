/**
 * Progress queries with a time limit. A workflow answers a query only between its workflow tasks,
 * so an orchestrator busy with many trials (or with other runs of the same owner) may answer
 * late: without a deadline a reader waits as long as the server lets it (about a minute), while
 * what is recorded in the database is there at once.
 */
import type { QueryDefinition, WorkflowHandle } from '@temporalio/client';

export const LIVE_QUERY_TIMEOUT_MS = 5_000;

export function queryWithin<T>(
  handle: WorkflowHandle,
  query: QueryDefinition<T>,
  timeoutMs = LIVE_QUERY_TIMEOUT_MS,
): Promise<T> {
  return handle.client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(query));
}
