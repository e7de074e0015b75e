/** The pure search layer: strategies, rewards, fidelity levels. */
export * from './strategies';
export { reward, REWARD_COSTS, DEFAULT_MNAS_W, type RewardConfig, type RewardCost, type RewardInput } from './reward';
export { protocolForFidelity, fidelityLadder, budgetFraction, DEFAULT_ETA } from './fidelity';
export { protocolHash, DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol';
