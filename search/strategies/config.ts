/** Defaults and validation of StrategyConfig; errors name the field and what is allowed. */
import { DEFAULT_ETA } from '../../contracts/fidelity.ts';
import type { EvolutionSettings } from './evolution.ts';
import type { ReinforceSettings } from './reinforce/reinforce.ts';
import { STRATEGY_NAMES, type StrategyConfig, type StrategyName } from './types.ts';

export interface ResolvedConfig {
  name: StrategyName;
  dedup: boolean;
  seedArchitectures: number[][];
  reinforce: ReinforceSettings;
  evolution: EvolutionSettings;
  halving: { eta: number; levels: number } | null;
}

export const REINFORCE_DEFAULTS: ReinforceSettings = {
  hidden: 64,
  learningRate: 3.5e-4,
  baselineDecay: 0.95,
  entropyWeight: 1e-4,
  tanhConstant: 2.5,
  temperature: 1,
  batchSize: 5,
  failureReward: 0,
  heads: 'kind',
};

export const EVOLUTION_DEFAULTS: EvolutionSettings = { population: 20, sample: 5 };

export function resolveConfig(config: StrategyConfig): ResolvedConfig {
  if (!config || typeof config !== 'object') throw new TypeError('strategy: must be an object with a name');
  if (!STRATEGY_NAMES.includes(config.name)) {
    throw new RangeError(
      `strategy.name: must be one of ${STRATEGY_NAMES.join(', ')}, got ${JSON.stringify(config.name)}`,
    );
  }
  if (config.seedArchitectures !== undefined && !Array.isArray(config.seedArchitectures)) {
    throw new TypeError('strategy.seedArchitectures: must be an array of choice arrays');
  }
  const r = { ...REINFORCE_DEFAULTS, ...definedOnly(config.reinforce ?? {}) };
  positiveInteger('strategy.reinforce.hidden', r.hidden);
  positive('strategy.reinforce.learningRate', r.learningRate);
  inRange('strategy.reinforce.baselineDecay', r.baselineDecay, 0, 1);
  nonNegative('strategy.reinforce.entropyWeight', r.entropyWeight);
  if (r.tanhConstant !== null) positive('strategy.reinforce.tanhConstant', r.tanhConstant);
  positive('strategy.reinforce.temperature', r.temperature);
  positiveInteger('strategy.reinforce.batchSize', r.batchSize);
  finite('strategy.reinforce.failureReward', r.failureReward);
  if (r.heads !== 'kind' && r.heads !== 'position') {
    throw new RangeError(`strategy.reinforce.heads: must be one of kind, position, got ${JSON.stringify(r.heads)}`);
  }
  const e = { ...EVOLUTION_DEFAULTS, ...definedOnly(config.evolution ?? {}) };
  positiveInteger('strategy.evolution.population', e.population);
  positiveInteger('strategy.evolution.sample', e.sample);
  let halving: ResolvedConfig['halving'] = null;
  if (config.halving) {
    const eta = config.halving.eta ?? DEFAULT_ETA;
    if (!(Number.isFinite(eta) && eta > 1))
      throw new RangeError(`strategy.halving.eta: must be a number > 1, got ${config.halving.eta}`);
    positiveInteger('strategy.halving.levels', config.halving.levels);
    halving = { eta, levels: config.halving.levels };
  }
  return {
    name: config.name,
    dedup: config.dedup ?? true,
    seedArchitectures: (config.seedArchitectures ?? []).map((s) => (Array.isArray(s) ? s.slice() : s)),
    reinforce: r,
    evolution: e,
    halving,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function finite(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RangeError(`${field}: must be a finite number, got ${JSON.stringify(value)}`);
}
function positive(field: string, value: unknown): void {
  finite(field, value);
  if ((value as number) <= 0) throw new RangeError(`${field}: must be a positive number, got ${value}`);
}
function nonNegative(field: string, value: unknown): void {
  finite(field, value);
  if ((value as number) < 0) throw new RangeError(`${field}: must be a non-negative number, got ${value}`);
}
function positiveInteger(field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) <= 0)
    throw new RangeError(`${field}: must be a positive integer, got ${JSON.stringify(value)}`);
}
function inRange(field: string, value: unknown, low: number, high: number): void {
  finite(field, value);
  if ((value as number) < low || (value as number) >= high)
    throw new RangeError(`${field}: must be in [${low}, ${high}), got ${value}`);
}
