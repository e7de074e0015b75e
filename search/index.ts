/** The pure search layer: strategies and rewards. */
export * from './strategies/index.ts';
export { reward, type RewardInput } from './reward.ts';
