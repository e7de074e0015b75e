/**
 * How a workflow fails: at once and for good (a non-retryable ApplicationFailure naming the
 * cause), never by throwing a plain error that Temporal would retry as a workflow task forever,
 * and never leaving its search row 'running'.
 */
import { ApplicationFailure, CancellationScope, ContinueAsNew, isCancellation } from '@temporalio/workflow';
import { RequestError } from '../contracts/request-error.ts';
import { orchestration } from './activities.ts';

/** Runs the request's validator; an invalid request fails the workflow naming the field. */
export function rejectInvalid(validate: () => void): void {
  try {
    validate();
  } catch (err) {
    if (err instanceof RequestError) {
      throw ApplicationFailure.nonRetryable(`invalid request: ${err.message}`, 'RequestError', {
        field: err.field,
        problem: err.problem,
      });
    }
    throw ApplicationFailure.nonRetryable(`invalid request: ${messageOf(err)}`, 'RequestError');
  }
}

/** Runs the workflow body; if it throws, the search is marked failed with the message and the workflow fails non-retryably. */
export async function failSearchOnError<R>(searchId: string, body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    const failure =
      err instanceof ApplicationFailure && err.nonRetryable
        ? err
        : ApplicationFailure.nonRetryable(messageOf(err), err instanceof Error ? err.name : 'Error');
    await CancellationScope.nonCancellable(() => orchestration.failSearch({ searchId, error: failure.message }));
    throw failure;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
