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
