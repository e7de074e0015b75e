/**
 * The cheap estimators of an architecture's accuracy that `nas estimators report` judges against
 * the reference set: zero-cost proxies computed at initialisation from one seeded mini-batch
 * (engine/proxies/), recorded per (architecture, protocol, batch size, estimator, seed, version).
 */
export const ZERO_COST_PROXIES = ['synflow', 'naswot', 'grad_norm', 'snip'] as const;
export type ZeroCostProxy = (typeof ZERO_COST_PROXIES)[number];

/** Training images in the one mini-batch the proxies see. */
export const PROXY_BATCH_SIZE = 64;

/** Raised when a proxy's computation changes, so that scores recorded by an earlier one are not reused. */
export const PROXY_VERSION = 1;

/**
 * What `--screen` may rank proposals by: a zero-cost proxy (recorded, reused) or a naive baseline
 * of the cost model (params, FLOPs: free, computed again each time). Higher is better for all.
 */
export const SCREEN_ESTIMATORS = [...ZERO_COST_PROXIES, 'params', 'flops'] as const;
export type ScreenEstimator = (typeof SCREEN_ESTIMATORS)[number];

export function isZeroCostProxy(estimator: string): estimator is ZeroCostProxy {
  return (ZERO_COST_PROXIES as readonly string[]).includes(estimator);
}

/** Uniform weight sharing as an estimator (`nas estimators report --sharing-steps`): the validation batches (of the protocol's batch size) each architecture is scored on. */
export const SHARING_SCORE_BATCHES = 8;
