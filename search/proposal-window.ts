/**
 * Which results a strategy has seen when it proposes a candidate. The trial pool feeds results
 * in trial-index order and, before it asks for candidate i, exactly the first
 * max(0, i - window) of them: the strategy's sequence of calls, hence with its seed its
 * proposals, is then the same at any parallelism and under any timing. A later result that is
 * in early waits for the earlier ones and for its turn. Trials whose results the strategy has not
 * seen when it proposes are at most `window`, so a search trains at most `window + 1` at once.
 *
 * Random search without halving never looks at results: its window is unbounded and results
 * are fed as soon as they are next in order.
 */
import type { StrategyConfig } from './strategies/types.ts';

export const DEFAULT_PROPOSAL_WINDOW = 8;

export function proposalWindow(strategy: Pick<StrategyConfig, 'name' | 'halving' | 'window'>): number {
  if (strategy.window !== undefined) return strategy.window;
  return strategy.name === 'random' && !strategy.halving ? Infinity : DEFAULT_PROPOSAL_WINDOW;
}

/** How many results, in trial-index order, the strategy must have observed before it proposes candidate `index`. */
export function resultsBeforeProposal(window: number, index: number): number {
  return window === Infinity ? 0 : Math.max(0, index - window);
}

/** Whether the strategy may observe the result of trial `resultIndex` while candidate `nextIndex` is not proposed yet. */
export function mayObserveBeforeProposal(window: number, resultIndex: number, nextIndex: number): boolean {
  return window === Infinity || resultIndex < nextIndex - window;
}
