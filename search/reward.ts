/**
 * The scalar a strategy maximises. 'accuracy' is the validation accuracy;
 * 'mnas' is MnasNet's soft-constrained objective ACC * (cost / target)^w
 * (Tan et al. 2019, w = -0.07): a model at the target cost scores its accuracy,
 * twice the cost costs about 5% of it, half the cost earns about 5%.
 */
import { DEFAULT_MNAS_W, REWARD_COSTS, type RewardConfig, type RewardCost } from '../contracts/reward-config.ts';

export interface RewardInput {
  valAccuracy: number;
  params: number;
  flops: number;
  /** Measured on the worker; required when the reward's cost is 'latency'. */
  latencyMs?: number;
}

export function reward(input: RewardInput, config: RewardConfig): number {
  const acc = input.valAccuracy;
  if (typeof acc !== 'number' || !Number.isFinite(acc) || acc < 0 || acc > 1) {
    throw new RangeError(`reward: valAccuracy must be a number in [0, 1], got ${acc}`);
  }
  checkRewardConfig(config);
  if (config.objective === 'accuracy') return acc;
  const cost = costOf(input, config.cost);
  return acc * (cost / config.target) ** (config.w ?? DEFAULT_MNAS_W);
}

/** Throws a RangeError whose message starts with the offending field of the config, e.g. `reward.target: ...`. */
export function checkRewardConfig(config: RewardConfig): void {
  const objective = (config as { objective?: unknown } | null)?.objective;
  if (objective === 'accuracy') return;
  if (objective !== 'mnas') {
    throw new RangeError(`reward.objective: must be one of accuracy, mnas, got ${JSON.stringify(objective)}`);
  }
  const mnas = config as Extract<RewardConfig, { objective: 'mnas' }>;
  if (!REWARD_COSTS.includes(mnas.cost)) {
    throw new RangeError(`reward.cost: must be one of ${REWARD_COSTS.join(', ')}, got ${JSON.stringify(mnas.cost)}`);
  }
  if (!(typeof mnas.target === 'number' && Number.isFinite(mnas.target) && mnas.target > 0)) {
    throw new RangeError(`reward.target: must be a positive number, got ${JSON.stringify(mnas.target)}`);
  }
  const w = mnas.w ?? DEFAULT_MNAS_W;
  if (!(typeof w === 'number' && Number.isFinite(w)))
    throw new RangeError(`reward.w: must be a finite number, got ${JSON.stringify(w)}`);
}

function costOf(input: RewardInput, cost: RewardCost): number {
  const value = cost === 'params' ? input.params : cost === 'flops' ? input.flops : input.latencyMs;
  const field = cost === 'latency' ? 'latencyMs' : cost;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`reward: ${field} must be a positive number for cost '${cost}', got ${value}`);
  }
  return value;
}
