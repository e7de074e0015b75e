/**
 * The screening phase of a search (`--screen E --screen-candidates N`): the strategy proposes N
 * candidates, trainers score them in batches (workers/activities/screening.ts, at most the pool's
 * parallelism at once, none while paused), and the `trials` best by score become the search's
 * trials, best first. Only ids, genotypes and numbers cross the history; the scores of zero-cost
 * proxies are recorded by the trainer and reused by any later screening of the same architecture.
 */
import { CancellationScope, condition } from '@temporalio/workflow';
import { architectureHash } from '../cells';
import type { DecisionSpace } from '../contracts/genotypes';
import type { SearchRequest } from '../search/request';
import { bestByScore, inBatches, SCREEN_BATCH_SIZE } from '../search/screening';
import type { Strategy } from '../search/strategies/types';
import { screeners } from './activities';

/** One trial chosen by screening: its proposal and what the estimator said of it. */
export interface ScreenedTrial {
  choices: number[];
  /** Null where the estimator is undefined for it (ranked last). */
  score: number | null;
  /** 1 = the best score of all proposals scored. */
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

/** The trials to train, best first; null when the search was stopped while screening. */
export async function screenProposals(
  request: SearchRequest & { screen: NonNullable<SearchRequest['screen']> },
  space: DecisionSpace,
  strategy: Strategy,
  control: ScreenControl,
  progress: ScreenProgress,
): Promise<ScreenedTrial[] | null> {
  const proposals = strategy.propose(request.screen.candidates).map((c) => c.choices);
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
    if (next === batches.length && running === 0) break;
    const seen = settled;
    await condition(() => control.stopping() || settled !== seen || mayStart());
  }
  return bestByScore(scores, request.trials).map((i, position) => ({
    choices: proposals[i],
    score: scores[i],
    rank: position + 1,
  }));
}
