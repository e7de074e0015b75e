/**
 * searchWorkflow: the strategy proposes, the trial pool trains up to the configured parallelism
 * and feeds results back in trial-index order, and the workflow continues-as-new with the
 * strategy state before its history grows large.
 */
import { continueAsNew, patched, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { finalizeRequestOf } from '../search/final';
import { protocolForFidelity } from '../contracts/fidelity';
import { mayObserveBeforeProposal, proposalWindow, resultsBeforeProposal } from '../search/proposal-window';
import type { SearchRequest } from '../search/request';
import { makeDecisionSpace } from '../search/spaces';
import { createStrategy } from '../search/strategies';
import type { DecisionSpace } from '../contracts/genotypes';
import type { Strategy, StrategySnapshot, StrategyState } from '../search/strategies/types';
import type { TrialState } from '../contracts/trial-state';
import { validateSearchRequest } from '../search/validate-request';
import { orchestration } from './activities';
import { failSearchOnError, rejectInvalid } from './failure';
import { finalizeWorkflow, type FinalizeSummary } from './finalize';
import { pauseSignal, progressQuery, resumeSignal, setParallelismSignal, stopSignal, type BestTrial } from './signals';
import { TrialPool, type PoolResult, type PoolTrial, type TrialFeed } from './trial-pool';

export interface SearchTrial extends PoolTrial {
  choices: number[];
}

/** What survives continue-as-new (with the strategy snapshot's arrays as the workflow's third argument). */
export interface SearchCarry {
  nextIndex: number;
  /** A snapshot; a log in runs that began before snapshots. */
  strategyState: StrategySnapshot | StrategyState;
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  parallel: number;
  paused: boolean;
  /** Results in but not yet fed to the strategy (its proposal window), in trial-index order. */
  held?: Array<PoolResult<SearchTrial>>;
}

export interface SearchSummary {
  searchId: string;
  status: 'finished' | 'stopped';
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  /** The final evaluation the request asked for (`finalize`), when the search finished. */
  final?: FinalizeSummary;
}

/** Continue-as-new well before Temporal's 50k-event / 50 MB limits. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 4000;
const DEFAULT_TRIALS_PER_RUN = 500;
/** Runs continue with a strategy snapshot instead of the strategy's call log from here on. */
const STRATEGY_SNAPSHOTS = 'strategy-snapshots';

export async function searchWorkflow(
  request: SearchRequest,
  carry?: SearchCarry,
  strategyArrays?: Uint8Array,
): Promise<SearchSummary> {
  rejectInvalid(() => validateSearchRequest(request));
  return failSearchOnError(request.searchId, async () => {
    const space = makeDecisionSpace(request.space);
    const strategy = createStrategy(request.strategy, space, request.seed, carry?.strategyState, strategyArrays);
    const pool = new TrialPool<SearchTrial>({
      searchId: request.searchId,
      trials: request.trials,
      parallel: request.parallel,
      budget: request.budget,
      reward: request.reward,
      finalFidelity: request.strategy.halving ? request.strategy.halving.levels - 1 : 0,
      input: request.input,
      classes: request.classes,
      trainerTaskQueue: request.trainerTaskQueue,
      keepWeights: request.keepWeights === 'all',
      carry: carry && { ...carry, dispatched: carry.nextIndex, held: carry.held ?? [] },
      summary: () => strategy.summary(),
    });
    if (!carry) {
      await orchestration.recordSearch({
        searchId: request.searchId,
        kind: 'search',
        space: request.space.space,
        strategy: request.strategy.name,
        seed: request.seed,
        trials: request.trials,
        config: request,
      });
    }

    const feed = new StrategyFeed(request, space, strategy, carry?.nextIndex ?? 0, carry?.held?.length ?? 0);
    await pool.run(feed);
    if (!pool.isStopping && feed.nextIndex < request.trials && feed.continuing) {
      const { counts, best, parallel, paused, held } = pool.carry();
      const { state, arrays } = patched(STRATEGY_SNAPSHOTS)
        ? strategy.exportSnapshot()
        : { state: strategy.exportState(), arrays: undefined };
      return await continueAsNew<typeof searchWorkflow>(
        request,
        { nextIndex: feed.nextIndex, strategyState: state, counts, best, parallel, paused, held },
        arrays,
      );
    }
    pool.releaseAll(feed);
    const status = pool.isStopping ? 'stopped' : 'finished';
    await orchestration.finishSearch({ searchId: request.searchId, status });
    const { counts, best } = pool.carry();
    if (!request.finalize || status !== 'finished') return { searchId: request.searchId, status, counts, best };
    return { searchId: request.searchId, status, counts, best, final: await finalizeAsChild(request, pool) };
  });
}

/**
 * The final evaluation as a child workflow (its own id, history, progress query and record, the
 * same as `nas search finalize` would start); the search's signals are passed on to it.
 */
async function finalizeAsChild(request: SearchRequest, pool: TrialPool<SearchTrial>): Promise<FinalizeSummary> {
  const finalize = finalizeRequestOf({ ...request, finalize: request.finalize! });
  // The search's own progress, saying where its final evaluation runs (a query cannot ask the child).
  setHandler(progressQuery, () => ({
    ...pool.progress(false),
    strategy: { stage: 'finalizing', finalId: finalize.finalId },
  }));
  // A stop that arrives while the child starts is passed on once it has started, not lost.
  let stopBeforeStart = false;
  setHandler(stopSignal, () => void (stopBeforeStart = true));
  const child = await startChild(finalizeWorkflow, { workflowId: finalize.finalId, args: [finalize] });
  // A signal that arrives as the child ends has nowhere to go: dropped, not a failed workflow task.
  const pass = (sent: Promise<void>) => void sent.catch(() => undefined);
  if (stopBeforeStart) pass(child.signal(stopSignal));
  setHandler(stopSignal, () => pass(child.signal(stopSignal)));
  setHandler(pauseSignal, () => pass(child.signal(pauseSignal)));
  setHandler(resumeSignal, () => pass(child.signal(resumeSignal)));
  setHandler(setParallelismSignal, (n: number) => pass(child.signal(setParallelismSignal, n)));
  return child.result();
}

/**
 * Candidates from the strategy, one trial index each; results back to it in index order and, before
 * candidate i is proposed, exactly the results its proposal window allows (search/proposal-window.ts).
 */
class StrategyFeed implements TrialFeed<SearchTrial> {
  private readonly window: number;
  private readonly runEndsAt: number;
  /** Results the strategy has observed, in all runs. */
  private observed: number;
  /** The strategy proposed nothing with what it has seen: it may see the next result early. */
  private starved = false;
  continuing = false;

  constructor(
    private readonly request: SearchRequest,
    private readonly space: DecisionSpace,
    private readonly strategy: Strategy,
    public nextIndex: number,
    heldResults: number,
  ) {
    this.window = proposalWindow(request.strategy);
    this.runEndsAt = nextIndex + (request.trialsPerRun ?? DEFAULT_TRIALS_PER_RUN);
    this.observed = nextIndex - heldResults;
  }

  finished(): boolean {
    return this.nextIndex >= this.request.trials || this.continuing;
  }

  next(): SearchTrial | null {
    if (this.finished() || this.starved) return null;
    this.continuing =
      this.nextIndex >= this.runEndsAt ||
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    if (this.continuing) return null;
    if (this.observed < resultsBeforeProposal(this.window, this.nextIndex)) return null;
    const [candidate] = this.strategy.propose(1);
    if (!candidate) {
      this.starved = true;
      return null;
    }
    return {
      trialIndex: this.nextIndex++,
      strategySummary: this.strategy.summary(),
      choices: candidate.choices,
      architecture: this.space.decode(candidate.choices),
      protocol: protocolForFidelity(this.request.protocol, candidate.fidelity, this.request.strategy.halving ?? null),
      fidelity: candidate.fidelity,
    };
  }

  mayRelease(result: PoolResult<SearchTrial>): boolean {
    return (
      this.starved ||
      this.nextIndex >= this.request.trials ||
      mayObserveBeforeProposal(this.window, result.trial.trialIndex, this.nextIndex)
    );
  }

  release({ trial, reward }: PoolResult<SearchTrial>): void {
    this.strategy.observe([{ choices: trial.choices, fidelity: trial.fidelity, reward }]);
    this.observed++;
    this.starved = false;
  }
}
