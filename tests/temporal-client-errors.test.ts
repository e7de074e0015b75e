/** The commands tell Temporal's client errors apart by name; these are the classes the client throws. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isWorkflowAlreadyStarted, isWorkflowNotFound } from '../stack/temporal/client-errors.ts';

describe('Temporal client errors', () => {
  const notFound = new WorkflowNotFoundError('not found', 'search-1', undefined);
  const started = new WorkflowExecutionAlreadyStartedError('already started', 'search-1', 'searchWorkflow');

  it('are recognised as the client throws them', () => {
    expect(isWorkflowNotFound(notFound)).toBe(true);
    expect(isWorkflowAlreadyStarted(started)).toBe(true);
  });

  it('are not confused with each other or with other errors', () => {
    expect(isWorkflowNotFound(started)).toBe(false);
    expect(isWorkflowAlreadyStarted(notFound)).toBe(false);
    expect(isWorkflowNotFound(new Error('WorkflowNotFoundError'))).toBe(false);
    expect(isWorkflowAlreadyStarted('WorkflowExecutionAlreadyStartedError')).toBe(false);
  });
});
