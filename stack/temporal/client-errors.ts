/**
 * Temporal client errors told apart by name: importing their classes for `instanceof` would load
 * `@temporalio/client` (and its protobuf root) into every command, also those that never reach Temporal.
 */
export function isWorkflowNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'WorkflowNotFoundError';
}

export function isWorkflowAlreadyStarted(error: unknown): boolean {
  return error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError';
}
