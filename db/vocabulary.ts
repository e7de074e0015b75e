/** The allowed values of the text status/kind columns (enforced by check constraints), and of the leaderboard options. */

/**
 * 'final': the final evaluation of a search's best candidates and chosen baselines (workflows/finalize.ts);
 * 'reference': a build of the reference set of the NASNet space (workflows/reference.ts).
 */
export const SEARCH_KINDS = ['search', 'baselines', 'scaling', 'final', 'reference'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const SEARCH_STATUSES = ['running', 'paused', 'stopping', 'finished', 'stopped', 'failed'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
/** A search in one of these states never changes status again. */
export const TERMINAL_SEARCH_STATUSES: readonly SearchStatus[] = ['finished', 'stopped', 'failed'];

export const SCALING_STATUSES = ['running', 'finished', 'stopped', 'failed'] as const;
export type ScalingStatus = (typeof SCALING_STATUSES)[number];

export const SCALING_METHODS = ['compound', 'depth', 'width', 'resolution', 'grid'] as const;
export type ScalingMethod = (typeof SCALING_METHODS)[number];

/** Orders of `nas leaderboard --sort`. */
export const LEADERBOARD_SORTS = ['val_acc', 'params', 'flops', 'reward'] as const;
export type LeaderboardSort = (typeof LEADERBOARD_SORTS)[number];
/** Costs of the Pareto front of `nas leaderboard --pareto`. */
export const PARETO_COSTS = ['params', 'flops'] as const;
export type ParetoCost = (typeof PARETO_COSTS)[number];
