/** Activity stubs for workflow code: types only, bound through proxyActivities. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type {
  OrchestrationActivities,
  ScreeningActivities,
  SharingActivities,
  TrainingActivities,
} from '../contracts/activities.ts';

const ORCHESTRATION_OPTIONS = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
} as const;

export const orchestration = proxyActivities<OrchestrationActivities>(ORCHESTRATION_OPTIONS);

/**
 * The same database steps run by the worker that runs the workflow task (the orchestrator has the
 * database): no task-queue round trip and no workflow task of their own, for the steps of every trial.
 */
export const localOrchestration = proxyLocalActivities<OrchestrationActivities>(ORCHESTRATION_OPTIONS);

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

/** Screening batches on the trainers: a few seconds per proposal, a heartbeat after each. */
export function screeners(taskQueue: string): ScreeningActivities {
  return proxyActivities<ScreeningActivities>({
    taskQueue,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
  });
}

/**
 * The phases of a weight-sharing search on the trainers: a dead trainer is noticed by its missing
 * heartbeat and the phase retried from the shared network's checkpoint file.
 */
export function sharers(taskQueue: string): SharingActivities {
  return proxyActivities<SharingActivities>({
    taskQueue,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      maximumInterval: '1 minute',
      maximumAttempts: 3,
      nonRetryableErrorTypes: ['SharedCheckpointError', 'SharedCheckpointMissing', 'InvalidPhase', 'DataError'],
    },
  });
}
