/** The objective a search maximises, as its request records it (the formula is search/reward.ts). */
export const REWARD_COSTS = ['params', 'flops', 'latency'] as const;
export type RewardCost = (typeof REWARD_COSTS)[number];

export type RewardConfig =
  | { objective: 'accuracy' }
  | { objective: 'mnas'; cost: RewardCost; target: number; w?: number };

/** MnasNet's exponent: twice the target cost costs about 5% of the accuracy. */
export const DEFAULT_MNAS_W = -0.07;
