/**
 * Screening in a search (`--screen E --screen-candidates N`): proposals scored on the trainers in
 * batches (workers/activities/screening.ts, at most the pool's parallelism at once, none started
 * while paused) before any of them is trained. Random search scores all N up front and trains the
 * `trials` best, best first (screenProposals); evolution screens the children of each trial and
 * trains the best of them (ChildScreening). Only ids, genotypes and numbers cross the history; the
 * scores of zero-cost proxies are recorded by the trainer and reused by any later screening.
 */
import { CancellationScope, condition } from '@temporalio/workflow';
import { architectureHash } from '../cells/index.ts';
import type { DecisionSpace } from '../contracts/genotypes.ts';
import type { ScreenRequest, SearchRequest } from '../search/request.ts';
import { bestByScore, candidatesOfTrial, inBatches, SCREEN_BATCH_SIZE } from '../search/screening.ts';
import { createStrategy } from '../search/strategies/index.ts';
import type { Strategy } from '../search/strategies/types.ts';
import { screeners } from './activities.ts';

/** One trial chosen by screening: its architecture's choices and what the estimator said of it. */
export interface ScreenedTrial {
  choices: number[];
  /** Null where the estimator is undefined for it (ranked last). */
  score: number | null;
  /** Among the proposals it was screened with: 1 = the best score. */
  rank: number;
}

/** What the progress query shows while screening and after. */
export interface ScreenProgress {
  estimator: string;
  candidates: number;
  scored: number;
  /** Architectures whose proxies a trainer computed, and whose recorded ones were reused. */
  computed: number;
  reused: number;
}

/** What the pool lets the screening know of its signals. */
export interface ScreenControl {
  parallel(): number;
  paused(): boolean;
  stopping(): boolean;
}

type ScreeningRequest = SearchRequest & { screen: ScreenRequest };

/** One of random search's screened trials: which of the strategy's first N proposals, and its score. */
export interface ScreenChoice {
  proposal: number;
  score: number | null;
}

/**
 * Random search: the strategy's first N proposals and, best first, the `trials` of them to train;
 * null when the search was stopped while screening. A continued run carries the choices only (indices
 * and numbers) and rebuilds the proposals with firstProposals.
 */
export async function screenProposals(
  request: ScreeningRequest,
  space: DecisionSpace,
  strategy: Strategy,
  control: ScreenControl,
  progress: ScreenProgress,
): Promise<{ proposals: number[][]; chosen: ScreenChoice[] } | null> {
  const proposals = strategy.propose(request.screen.candidates).map((c) => c.choices);
  const scores = await scoreProposals(request, space, proposals, control, progress);
  if (scores === null) return null;
  const chosen = bestByScore(scores, request.trials).map((proposal) => ({ proposal, score: scores[proposal] }));
  return { proposals, chosen };
}

/** The N proposals random search screened: its first, made before it observed anything. */
export function firstProposals(request: ScreeningRequest, space: DecisionSpace): number[][] {
  return createStrategy(request.strategy, space, request.seed)
    .propose(request.screen.candidates)
    .map((c) => c.choices);
}

/**
 * Evolution: before trial i is trained, the strategy proposes its share of the N candidates
 * (search/screening.ts candidatesOfTrial) and the best of them by score is trial i; the others are
 * never trained or observed. One trial's screening runs at a time, while earlier trials train; a
 * stop cancels it (scoreProposals watches the pool's stop).
 */
export class ChildScreening {
  private chosen: { index: number; trial: ScreenedTrial } | null = null;
  private busy = false;
  private failure: unknown;

  private readonly request: ScreeningRequest;
  private readonly space: DecisionSpace;
  private readonly control: ScreenControl;
  private readonly progress: ScreenProgress;
  private readonly chosenNow: () => void;
  constructor(
    request: ScreeningRequest,
    space: DecisionSpace,
    control: ScreenControl,
    progress: ScreenProgress,
    /** Tells the pool that a trial may start now. */
    chosenNow: () => void,
  ) {
    this.request = request;
    this.space = space;
    this.control = control;
    this.progress = progress;
    this.chosenNow = chosenNow;
  }

  /** Scoring of a trial's candidates is under way. */
  get pending(): boolean {
    return this.busy;
  }

  /** The trial chosen for `index`, once (null until its screening ended); rethrows a failed screening. */
  take(index: number): ScreenedTrial | null {
    if (this.failure !== undefined) throw this.failure;
    if (this.chosen?.index !== index) return null;
    const { trial } = this.chosen;
    this.chosen = null;
    return trial;
  }

  /** Whether trial `index` may be screened now (nothing else is chosen or being scored). */
  idle(): boolean {
    return !this.busy && this.chosen === null;
  }

  /** Proposes trial `index`'s candidates and scores them; false when the strategy proposed none. */
  start(index: number, strategy: Strategy): boolean {
    const count = candidatesOfTrial(index, this.request.screen.candidates, this.request.trials);
    const proposals = strategy.propose(count).map((c) => c.choices);
    if (proposals.length === 0) return false;
    this.busy = true;
    void scoreProposals(this.request, this.space, proposals, this.control, this.progress)
      .then(
        (scores) => {
          if (scores === null) return;
          const [best] = bestByScore(scores, 1);
          this.chosen = { index, trial: { choices: proposals[best], score: scores[best], rank: 1 } };
        },
        (err: unknown) => {
          if (!this.control.stopping()) this.failure = err;
        },
      )
      .then(() => {
        this.busy = false;
        this.chosenNow();
      });
    return true;
  }
}

/** Each proposal's score, in order; null when the search was stopped first. */
async function scoreProposals(
  request: ScreeningRequest,
  space: DecisionSpace,
  proposals: number[][],
  control: ScreenControl,
  progress: ScreenProgress,
): Promise<Array<number | null> | null> {
  const candidates = proposals.map((choices) => {
    const architecture = space.decode(choices);
    return { architecture, archHash: architectureHash(architecture) };
  });
  const batches = inBatches(candidates, SCREEN_BATCH_SIZE);
  const scores: Array<number | null> = candidates.map(() => null);
  const scope = new CancellationScope();
  const activities = screeners(request.trainerTaskQueue);
  let next = 0;
  let running = 0;
  let settled = 0;
  let failure: unknown;

  const start = (batchIndex: number) => {
    running++;
    void scope
      .run(() =>
        activities.scoreCandidates({
          searchId: request.searchId,
          batchIndex,
          estimator: request.screen.estimator,
          protocol: request.protocol,
          candidates: batches[batchIndex],
          input: request.input,
          classes: request.classes,
        }),
      )
      .then(
        (result) => {
          scores.splice(batchIndex * SCREEN_BATCH_SIZE, result.scores.length, ...result.scores);
          progress.scored += result.scores.length;
          progress.computed += result.computed;
          progress.reused += result.reused;
        },
        (err: unknown) => {
          if (!control.stopping()) failure ??= err;
        },
      )
      .then(() => {
        running--;
        settled++;
      });
  };

  const mayStart = () => !control.paused() && running < control.parallel() && next < batches.length;
  for (;;) {
    if (control.stopping()) {
      scope.cancel();
      await condition(() => running === 0);
      return null;
    }
    if (failure !== undefined) throw failure;
    while (mayStart()) start(next++);
    if (next === batches.length && running === 0) return scores;
    const seen = settled;
    await condition(() => control.stopping() || settled !== seen || mayStart());
  }
}
