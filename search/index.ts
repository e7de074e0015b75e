/** The pure search layer: strategies and rewards. */
export * from './strategies';
export { reward, type RewardInput } from './reward';
