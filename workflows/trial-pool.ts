/**
 * The trial pool every workflow (search, baselines, scaling study) trains through. It owns the
 * parallelism and the pause, resume, setParallelism and stop signals, the progress query, the
 * budget filter, writing each trial's reward, and the order in which results reach the
 * workflow: the order their trials started in (a search's trial-index order), each one only
 * once the feed allows it (a search's proposal window, search/proposal-window.ts).
 */
import { CancellationScope, condition, patched, setHandler } from '@temporalio/workflow';
import { describeArchitecture } from '../cells/index.ts';
import type { InputShape } from '../contracts/genotypes.ts';
import type { CostBudget } from '../search/request.ts';
import { reward as rewardOf } from '../search/reward.ts';
import type { RewardConfig } from '../contracts/reward-config.ts';
import { trialIdOf } from '../contracts/trial-id.ts';
import type { TrialState } from '../contracts/trial-state.ts';
import type { StrategySummary, TrialOutcome } from '../contracts/activities.ts';
import { orchestration } from './activities.ts';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setParallelismSignal,
  stopSignal,
  type BestTrial,
  type SearchProgress,
} from './signals.ts';
import { runTrial, type PoolTrial } from './trial.ts';

/** Patch id: searches whose objective is plain accuracy stopped recording a reward per trial. */
const ACCURACY_REWARD_NOT_RECORDED = 'accuracy-reward-not-recorded';

export type { PoolTrial };

export interface PoolResult<T extends PoolTrial> {
  trial: T;
  outcome: TrialOutcome;
  /** The objective's value for a usable result, null otherwise. */
  reward: number | null;
}

/** Where a workflow's trials come from and where their results go. */
export interface TrialFeed<T extends PoolTrial> {
  /** The next trial to start, or null when none can start now. */
  next(): T | null;
  /** True when no trial will come any more (next() stays null whatever is released). */
  finished(): boolean;
  /** Whether the next result in start order may reach the feed now. */
  mayRelease(result: PoolResult<T>): boolean;
  /** Results in the order their trials started. */
  release(result: PoolResult<T>): void;
  /** Work under way that will make next() return a trial (a screening): the pool waits for it. */
  pending?(): boolean;
}

/** What a continued run of the same workflow takes over. */
export interface PoolCarry<T extends PoolTrial> {
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  parallel: number;
  paused: boolean;
  dispatched: number;
  /** Results in but not yet released, in start order. */
  held: Array<PoolResult<T>>;
}

export interface PoolOptions<T extends PoolTrial> {
  searchId: string;
  /** Trials planned in all, for progress. */
  trials: number;
  parallel: number;
  budget: CostBudget;
  reward: RewardConfig;
  /** Only results at this fidelity level can be the best. */
  finalFidelity: number;
  input: InputShape;
  classes: number;
  trainerTaskQueue: string;
  /** Succeeded trials keep their trained weights (`--keep-weights all`). */
  keepWeights?: boolean;
  carry?: PoolCarry<T>;
  /** Figures of the strategy (or plan) for the progress query. */
  summary?: () => StrategySummary;
}

interface Started<T extends PoolTrial> {
  trial: T;
  result?: PoolResult<T>;
}

export class TrialPool<T extends PoolTrial> {
  readonly counts: Partial<Record<TrialState, number>>;
  private best: BestTrial | null;
  private parallel: number;
  private paused: boolean;
  private stopping = false;
  private dispatched: number;
  private recordedStatus: 'running' | 'paused';
  /** Started trials whose results have not been released yet, in start order. */
  private readonly queue: Array<Started<T>>;
  private readonly running = new Map<string, T>();
  private wake = 0;
  private readonly trainingScope = new CancellationScope();

  private readonly options: PoolOptions<T>;
  constructor(options: PoolOptions<T>) {
    this.options = options;
    const carry = options.carry;
    this.counts = { ...(carry?.counts ?? {}) };
    this.best = carry?.best ?? null;
    this.parallel = carry?.parallel ?? options.parallel;
    this.paused = carry?.paused ?? false;
    this.recordedStatus = this.paused ? 'paused' : 'running';
    this.dispatched = carry?.dispatched ?? 0;
    this.queue = (carry?.held ?? []).map((result) => ({ trial: result.trial, result }));

    setHandler(pauseSignal, () => this.signal(() => (this.paused = true)));
    setHandler(resumeSignal, () => this.signal(() => (this.paused = false)));
    setHandler(stopSignal, () =>
      this.signal(() => {
        this.stopping = true;
        this.trainingScope.cancel();
      }),
    );
    setHandler(setParallelismSignal, (n: number) =>
      this.signal(() => {
        if (Number.isInteger(n) && n > 0) this.parallel = n;
      }),
    );
    setHandler(progressQuery, () => this.progress(false));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Trainings (or other trainer work, such as screening) at once, as last set. */
  get currentParallel(): number {
    return this.parallel;
  }

  progress(finished: boolean): SearchProgress {
    return {
      searchId: this.options.searchId,
      trials: this.options.trials,
      parallel: this.parallel,
      dispatched: this.dispatched,
      running: [...this.running.keys()],
      counts: this.counts,
      best: this.best,
      paused: this.paused,
      stopping: this.stopping,
      finished,
      strategy: this.options.summary?.() ?? {},
    };
  }

  /** Asks the feed for trials again: one of its pending() steps ended. */
  nudge(): void {
    this.wake++;
  }

  runningTrialIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Starts the feed's trials up to the parallelism while not paused and releases results to it,
   * until nothing runs, nothing can be released and the feed has nothing to start (or the
   * pool is stopped: then running trials are cancelled and every result is released).
   */
  async run(feed: TrialFeed<T>): Promise<void> {
    for (;;) {
      this.releaseReady(feed);
      if (this.stopping) break;
      await this.recordPaused();
      if (!this.paused) {
        while (this.running.size < this.parallel) {
          const trial = feed.next();
          if (!trial) break;
          this.start(trial);
          this.releaseReady(feed);
        }
      }
      if (this.running.size === 0 && !this.releasable(feed) && !feed.pending?.()) {
        if (feed.finished() || !this.paused) break;
      }
      const seen = this.wake;
      await condition(() => this.wake !== seen);
    }
    if (this.stopping) {
      await condition(() => this.running.size === 0);
      this.releaseAll(feed);
    }
  }

  /** Releases what is left regardless of the feed's order rule (the workflow is ending). */
  releaseAll(feed: TrialFeed<T>): void {
    while (this.queue[0]?.result) feed.release(this.queue.shift()!.result!);
  }

  carry(): PoolCarry<T> {
    return {
      counts: this.counts,
      best: this.best,
      parallel: this.parallel,
      paused: this.paused,
      dispatched: this.dispatched,
      held: this.queue.flatMap((s) => (s.result ? [s.result] : [])),
    };
  }

  private signal(change: () => void): void {
    change();
    this.wake++;
  }

  private releasable(feed: TrialFeed<T>): boolean {
    const head = this.queue[0]?.result;
    return head !== undefined && feed.mayRelease(head);
  }

  private releaseReady(feed: TrialFeed<T>): void {
    while (this.releasable(feed)) feed.release(this.queue.shift()!.result!);
  }

  private async recordPaused(): Promise<void> {
    const wanted = this.paused ? 'paused' : 'running';
    if (wanted === this.recordedStatus) return;
    await orchestration.setSearchStatus({ searchId: this.options.searchId, status: wanted });
    this.recordedStatus = wanted;
  }

  private start(trial: T): void {
    const { searchId, budget, input, classes, trainerTaskQueue, keepWeights } = this.options;
    const trialId = trialIdOf(searchId, trial.trialIndex);
    const started: Started<T> = { trial };
    this.queue.push(started);
    this.running.set(trialId, trial);
    this.dispatched++;
    const plan = { ...trial, searchId, budget, input, classes, trainerTaskQueue, ...(keepWeights && { keepWeights }) };
    void this.trainingScope
      .run(() => runTrial(plan))
      .catch(
        (err: unknown): TrialOutcome => ({
          trialId,
          status: 'failed',
          valAccuracy: null,
          testAccuracy: null,
          params: 0,
          flops: 0,
          error: String(err),
        }),
      )
      .then((outcome) => this.settle(trial, outcome))
      .then((result) => {
        started.result = result;
        this.running.delete(trialId);
        this.wake++;
      });
  }

  /** Counts the outcome, keeps the best, and writes the reward of a usable result. */
  private async settle(trial: T, outcome: TrialOutcome): Promise<PoolResult<T>> {
    this.counts[outcome.status] = (this.counts[outcome.status] ?? 0) + 1;
    const usable = (outcome.status === 'succeeded' || outcome.status === 'reused') && outcome.valAccuracy !== null;
    if (!usable) return { trial, outcome, reward: null };
    let value: number;
    try {
      const { valAccuracy, params, flops, latencyMs } = outcome;
      value = rewardOf(
        { valAccuracy: valAccuracy!, params, flops, latencyMs: latencyMs ?? undefined },
        this.options.reward,
      );
    } catch {
      // Only a result the trainer reported out of range gets here (the request was validated), or one
      // without a measured latency under a latency reward: it earns no reward.
      return { trial, outcome, reward: null };
    }
    if (
      trial.fidelity === this.options.finalFidelity &&
      (this.best === null || outcome.valAccuracy! > this.best.valAccuracy)
    ) {
      this.best = {
        trialId: outcome.trialId,
        valAccuracy: outcome.valAccuracy!,
        description: describeArchitecture(trial.architecture),
      };
    }
    // Under plain accuracy the reward is the validation accuracy the row holds (the leaderboard reads it
    // there): no round trip. Histories from before this step was skipped replay with it.
    if (this.options.reward.objective !== 'accuracy' || !patched(ACCURACY_REWARD_NOT_RECORDED)) {
      await orchestration.recordReward({ trialId: outcome.trialId, reward: value });
    }
    return { trial, outcome, reward: value };
  }
}
