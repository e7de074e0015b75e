/**
 * Why a trial was trained: `search` (a cheap training a strategy or a scaling study asked for),
 * `final` (a repeat of a search's candidate under its final protocol), `baseline` (a
 * hand-designed network, in `nas baselines train` or in a final evaluation), `shared` (an
 * architecture of a weight-sharing search scored with the shared network's weights, not trained:
 * its validation accuracy is that score).
 */
export const TRIAL_ROLES = ['search', 'final', 'baseline', 'shared'] as const;
export type TrialRole = (typeof TRIAL_ROLES)[number];

/** Roles whose succeeded trials keep their trained weights for export (a search trial only with `--keep-weights all`). */
export const ROLES_KEEPING_WEIGHTS: readonly TrialRole[] = ['final', 'baseline'];
