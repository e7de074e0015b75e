/**
 * searchWorkflow: the strategy proposes, the trial pool trains up to the configured parallelism
 * and feeds results back in trial-index order, and the workflow continues-as-new with the
 * strategy state before its history grows large.
 */
import { continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { protocolForFidelity } from '../contracts/fidelity.ts';
import { mayObserveBeforeProposal, proposalWindow, resultsBeforeProposal } from '../search/proposal-window.ts';
import type { SearchRequest } from '../search/request.ts';
import { makeDecisionSpace } from '../search/spaces.ts';
import { createStrategy } from '../search/strategies/index.ts';
import type { DecisionSpace } from '../contracts/genotypes.ts';
import type { Strategy, StrategySnapshot, StrategyState } from '../search/strategies/types.ts';
import type { TrialState } from '../contracts/trial-state.ts';
import type { StrategySummary } from '../contracts/activities.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { orchestration } from './activities.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import {
  ChildScreening,
  firstProposals,
  screenProposals,
  type ScreenChoice,
  type ScreenedTrial,
  type ScreenProgress,
} from './screening.ts';
import type { FinalizeSummary } from './finalize.ts';
import { finalizeAsChild } from './finalize-child.ts';
import type { BestTrial } from './signals.ts';
import { TrialPool, type PoolResult, type PoolTrial, type TrialFeed } from './trial-pool.ts';

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
  /** A screening search's chosen trials from trial index `from` on, and its screening figures. */
  screened?: ScreenedQueue;
  screening?: ScreenProgress;
}

/** Trials random search's screening chose, trial `from + i` being `chosen[i]` (rank from + i + 1). */
export interface ScreenedQueue {
  from: number;
  chosen: ScreenChoice[];
}

export interface SearchSummary {
  searchId: string;
  status: 'finished' | 'stopped';
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  /** The final evaluation the request asked for (`finalize`), when the search finished. */
  final?: FinalizeSummary;
  /** A screening search's proposals scored (`screen`). */
  screening?: ScreenProgress;
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
    const screening = request.screen && (carry?.screening ?? newScreenProgress(request.screen));
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
      summary: () => ({ ...strategy.summary(), ...(screening && screeningSummary(screening)) }),
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

    const control = {
      parallel: () => pool.currentParallel,
      paused: () => pool.isPaused,
      stopping: () => pool.isStopping,
    };
    let screened: (ScreenedQueue & { proposals: number[][] }) | undefined;
    let children: ChildScreening | undefined;
    if (request.screen && screening) {
      const screenRequest = { ...request, screen: request.screen };
      if (request.strategy.name === 'evolution') {
        children = new ChildScreening(screenRequest, space, control, screening, () => pool.nudge());
      } else if (carry?.screened) {
        screened = { ...carry.screened, proposals: firstProposals(screenRequest, space) };
      } else {
        const result = await screenProposals(screenRequest, space, strategy, control, screening);
        screened = { from: 0, chosen: result?.chosen ?? [], proposals: result?.proposals ?? [] };
      }
    }
    const feed = new StrategyFeed(request, space, strategy, carry?.nextIndex ?? 0, carry?.held?.length ?? 0, {
      screened,
      children,
    });
    await pool.run(feed);
    if (!pool.isStopping && feed.nextIndex < request.trials && feed.continuing) {
      const { counts, best, parallel, paused, held } = pool.carry();
      const { state, arrays } = patched(STRATEGY_SNAPSHOTS)
        ? strategy.exportSnapshot()
        : { state: strategy.exportState(), arrays: undefined };
      const next: SearchCarry = {
        nextIndex: feed.nextIndex,
        strategyState: state,
        counts,
        best,
        parallel,
        paused,
        held,
      };
      if (screened)
        next.screened = { from: feed.nextIndex, chosen: screened.chosen.slice(feed.nextIndex - screened.from) };
      if (screening) next.screening = screening;
      return await continueAsNew<typeof searchWorkflow>(request, next, arrays);
    }
    pool.releaseAll(feed);
    const status = pool.isStopping ? 'stopped' : 'finished';
    await orchestration.finishSearch({ searchId: request.searchId, status });
    const { counts, best } = pool.carry();
    const ended: SearchSummary = { searchId: request.searchId, status, counts, best, ...(screening && { screening }) };
    if (!request.finalize || status !== 'finished') return ended;
    return { ...ended, final: await finalizeAsChild(request, () => pool.progress(false)) };
  });
}

function newScreenProgress(screen: NonNullable<SearchRequest['screen']>): ScreenProgress {
  return { estimator: screen.estimator, candidates: screen.candidates, scored: 0, computed: 0, reused: 0 };
}

/** Screening figures beside the strategy's in the progress query. */
function screeningSummary(screening: ScreenProgress): StrategySummary {
  return {
    screen: screening.estimator,
    screenScored: screening.scored,
    screenCandidates: screening.candidates,
    screenComputed: screening.computed,
    screenReused: screening.reused,
  };
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

  private readonly request: SearchRequest;
  private readonly space: DecisionSpace;
  private readonly strategy: Strategy;
  nextIndex: number;
  private readonly screening: {
    /** Random search's screening chose the trials up front: they come from here, not from the strategy. */
    screened?: ScreenedQueue & { proposals: number[][] };
    /** Evolution's: each trial is the best of its screened children. */
    children?: ChildScreening;
  };
  constructor(
    request: SearchRequest,
    space: DecisionSpace,
    strategy: Strategy,
    nextIndex: number,
    heldResults: number,
    screening: {
      /** Random search's screening chose the trials up front: they come from here, not from the strategy. */
      screened?: ScreenedQueue & { proposals: number[][] };
      /** Evolution's: each trial is the best of its screened children. */
      children?: ChildScreening;
    } = {},
  ) {
    this.request = request;
    this.space = space;
    this.strategy = strategy;
    this.nextIndex = nextIndex;
    this.screening = screening;
    this.window = proposalWindow(request.strategy);
    this.runEndsAt = nextIndex + (request.trialsPerRun ?? DEFAULT_TRIALS_PER_RUN);
    this.observed = nextIndex - heldResults;
  }

  finished(): boolean {
    return this.nextIndex >= this.request.trials || this.continuing;
  }

  next(): SearchTrial | null {
    const { screened, children } = this.screening;
    const child = children?.take(this.nextIndex);
    if (child) return this.trial(child.choices, 0, child);
    if (this.finished() || this.starved) return null;
    this.continuing =
      this.nextIndex >= this.runEndsAt ||
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    if (this.continuing) return null;
    if (this.observed < resultsBeforeProposal(this.window, this.nextIndex)) return null;
    if (children) {
      if (children.idle() && !children.start(this.nextIndex, this.strategy)) this.starved = true;
      return null;
    }
    if (screened) {
      const chosen = screened.chosen[this.nextIndex - screened.from];
      if (!chosen) {
        this.starved = true;
        return null;
      }
      const choices = screened.proposals[chosen.proposal];
      return this.trial(choices, 0, { choices, score: chosen.score, rank: this.nextIndex + 1 });
    }
    const [candidate] = this.strategy.propose(1);
    if (!candidate) {
      this.starved = true;
      return null;
    }
    return this.trial(candidate.choices, candidate.fidelity);
  }

  pending(): boolean {
    return this.screening.children?.pending ?? false;
  }

  private trial(choices: number[], fidelity: number, screened?: ScreenedTrial): SearchTrial {
    return {
      trialIndex: this.nextIndex++,
      strategySummary: { ...this.strategy.summary(), ...(screened && screenedSummary(screened)) },
      choices,
      architecture: this.space.decode(choices),
      protocol: protocolForFidelity(this.request.protocol, fidelity, this.request.strategy.halving ?? null),
      fidelity,
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

/** A screened trial's score and rank among the proposals scored, recorded with the trial (leaderboard, dashboard). */
function screenedSummary(chosen: ScreenedTrial): StrategySummary {
  return { screenRank: chosen.rank, ...(chosen.score !== null && { screenScore: chosen.score }) };
}
