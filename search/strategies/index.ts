/** createStrategy: the one entry point the search workflow uses. */
import type { DecisionSpace } from '../../contracts/genotypes.ts';
import { makeRng } from '../../numeric/rng.ts';
import { resolveConfig, type ResolvedConfig } from './config.ts';
import type { CoreStrategy } from './core.ts';
import { EvolutionStrategy } from './evolution.ts';
import { HalvingStrategy } from './halving.ts';
import { ProposalLedger } from './ledger.ts';
import { RandomStrategy } from './random.ts';
import { RecordedStrategy, strategyFingerprint } from './recorded.ts';
import { ReinforceStrategy } from './reinforce/reinforce.ts';
import type { Strategy, StrategyConfig, StrategySnapshot, StrategyState } from './types.ts';

/** A new strategy, or the one a log (`state` version 1) or a snapshot (version 2 and its `arrays`) describes. */
export function createStrategy(
  config: StrategyConfig,
  space: DecisionSpace,
  seed: number,
  state?: StrategyState | StrategySnapshot,
  arrays?: Uint8Array,
): Strategy {
  if (!Number.isFinite(seed)) throw new RangeError(`seed: must be a finite number, got ${seed}`);
  if (!space || !Array.isArray(space.decisions) || space.decisions.length === 0) {
    throw new TypeError('space: must be a DecisionSpace with at least one decision');
  }
  const resolved = resolveConfig(config);
  let core: CoreStrategy = coreStrategy(resolved, space, seed);
  if (resolved.halving) core = new HalvingStrategy(core, space, resolved.halving.eta, resolved.halving.levels);
  const strategy = new RecordedStrategy(core, space, strategyFingerprint(resolved, space, seed));
  if (state?.version === 2) strategy.restore(state, arrays);
  else if (state) strategy.replay(state);
  return strategy;
}

function coreStrategy(config: ResolvedConfig, space: DecisionSpace, seed: number): CoreStrategy {
  const ledger = new ProposalLedger(space, config.dedup, config.seedArchitectures);
  const rng = makeRng(`${seed}/${config.name}`);
  switch (config.name) {
    case 'random':
      return new RandomStrategy(space, ledger, rng);
    case 'evolution':
      return new EvolutionStrategy(space, ledger, rng, config.evolution);
    case 'reinforce':
      return new ReinforceStrategy(space, ledger, rng, makeRng(`${seed}/reinforce/init`), config.reinforce);
  }
}

export { resolveConfig, REINFORCE_DEFAULTS, EVOLUTION_DEFAULTS } from './config.ts';
export * from './types.ts';
