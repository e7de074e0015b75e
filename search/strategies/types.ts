/** The narrow interface between search strategies and the search workflow. */
import type { HalvingConfig } from '../../contracts/fidelity.ts';

export interface Candidate {
  choices: number[];
  /** Fidelity level: 0 = full budget unless successive halving, where halving.levels - 1 is the full budget. */
  fidelity: number;
  origin: 'seed' | 'proposed' | 'promoted';
}

export interface Observation {
  choices: number[];
  fidelity: number;
  /** null = failed, diverged or over budget. */
  reward: number | null;
}

export interface Strategy {
  readonly name: StrategyName;
  /** Up to `count` new candidates; fewer (even 0) when it must wait for results or the space is exhausted. */
  propose(count: number): Candidate[];
  observe(observations: Observation[]): void;
  /** The call log: createStrategy(config, space, seed, log) replays it and continues exactly where this one is. */
  exportState(): StrategyState;
  /**
   * What the strategy is now, its size independent of how many calls led here (but for the dedup
   * ledger's 8 bytes per architecture): createStrategy(config, space, seed, snapshot.state,
   * snapshot.arrays) continues exactly where this one is, as a replay of the log would.
   */
  exportSnapshot(): { state: StrategySnapshot; arrays: Uint8Array };
  /** Readable figures for progress queries, e.g. controller entropy, reward baseline, population size. */
  summary(): Record<string, number | string>;
}

export const STRATEGY_NAMES = ['random', 'reinforce', 'evolution'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface ReinforceConfig {
  /** LSTM hidden size (also the embedding size). Default 64. */
  hidden?: number;
  /** Adam learning rate. Default 3.5e-4. */
  learningRate?: number;
  /** Decay of the exponential moving average reward baseline. Default 0.95. */
  baselineDecay?: number;
  /** Weight of the entropy bonus. Default 1e-4. */
  entropyWeight?: number;
  /** Logits are tanhConstant * tanh(logits / temperature). Default 2.5; null disables. */
  tanhConstant?: number | null;
  /** Default 1 (none). */
  temperature?: number;
  /** Architectures per policy-gradient update (M). Default 5. */
  batchSize?: number;
  /** Reward used for failed, diverged or over-budget candidates (reward null). Default 0. */
  failureReward?: number;
  /** Softmax heads and value embeddings shared per decision kind (NASNet/ENAS) or one per position. Default 'kind'. */
  heads?: 'kind' | 'position';
}

export interface EvolutionConfig {
  /** Population size P. Default 20. */
  population?: number;
  /** Tournament sample size S. Default 5. */
  sample?: number;
}

export interface StrategyConfig {
  name: StrategyName;
  /** Never propose an architecture (canonical form) already proposed or observed. Default true. */
  dedup?: boolean;
  /** Choice sequences evaluated first; their results teach the learners. */
  seedArchitectures?: number[][];
  reinforce?: ReinforceConfig;
  evolution?: EvolutionConfig;
  /** ASHA-style successive halving around the strategy; null/absent = every candidate at full budget. */
  halving?: HalvingConfig | null;
  /**
   * Candidate i is proposed after the strategy has seen the results of trials 0..i-window-1, at any
   * parallelism (search/proposal-window.ts). The CLI stores 0 at parallel 1, else max(8, parallel);
   * unbounded for random search without halving.
   */
  window?: number;
}

/** The JSON part of exportSnapshot(); its float64 arrays travel beside it as bytes. */
export interface StrategySnapshot {
  version: 2;
  fingerprint: string;
  core: unknown;
}

/**
 * Event-sourced state: the call log since creation. Restoring replays it on a
 * fresh strategy built from the same (config, space, seed); see recorded.ts.
 */
export interface StrategyState {
  version: 1;
  /** Identifies config, space and seed; restoring under anything else is refused. */
  fingerprint: string;
  /** A number n = propose(n); an array = observe() of encoded observations. */
  events: Array<number | string[]>;
}
