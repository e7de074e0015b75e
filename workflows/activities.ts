/** Activity stubs for workflow code: types only, bound through proxyActivities. */
import { proxyActivities } from '@temporalio/workflow';
import type { OrchestrationActivities, TrainingActivities } from '../contracts/activities';

export const orchestration = proxyActivities<OrchestrationActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Trainings: a dead trainer is noticed by its missing heartbeat and the trial retried elsewhere. */
export function trainers(taskQueue: string): TrainingActivities {
  return proxyActivities<TrainingActivities>({
    taskQueue,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2 seconds',
      maximumInterval: '1 minute',
      maximumAttempts: 3,
      nonRetryableErrorTypes: ['GenotypeError', 'DataError'],
    },
  });
}
