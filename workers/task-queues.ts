/** Workflows and orchestration activities share one queue; trainers poll one queue per device class. */
export const ORCHESTRATOR_TASK_QUEUE = 'nas-orchestrator';
export const DEFAULT_TRAINER_TASK_QUEUE = 'nas-train-cpu';
