/**
 * The explicit life of a trial. Every trial ends in a terminal state;
 * nothing stays queued or running once its search has finished.
 */
export const TRIAL_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'diverged',
  'over_budget',
  'reused',
  'cancelled',
] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

const NEXT: Record<TrialState, readonly TrialState[]> = {
  queued: ['running', 'over_budget', 'reused', 'cancelled', 'failed'],
  // running -> running: a retried attempt on another worker; running -> over_budget: the trainer's
  // latency measurement exceeded --max-latency before training.
  running: ['running', 'succeeded', 'failed', 'diverged', 'over_budget', 'cancelled'],
  succeeded: [],
  failed: [],
  diverged: [],
  over_budget: [],
  reused: [],
  cancelled: [],
};

export function isTerminal(state: TrialState): boolean {
  return NEXT[state].length === 0;
}

export function canTransition(from: TrialState, to: TrialState): boolean {
  return NEXT[from].includes(to);
}
