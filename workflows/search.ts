/**
 * searchWorkflow: the strategy proposes, trials run up to the configured
 * parallelism, results feed back, and the workflow continues-as-new with the
 * strategy state before its history grows large.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { describeArchitecture } from '../cells';
import { protocolForFidelity } from '../search/fidelity';
import type { SearchRequest } from '../search/request';
import { reward } from '../search/reward';
import { makeDecisionSpace } from '../search/spaces';
import { createStrategy } from '../search/strategies';
import type { Candidate, StrategyState } from '../search/strategies/types';
import type { TrialState } from '../search/trial-state';
import type { TrialOutcome } from '../workers/activities/types';
import { orchestration } from './activities';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setParallelismSignal,
  stopSignal,
  type BestTrial,
  type SearchProgress,
} from './signals';
import { runTrial } from './trial';

/** What survives continue-as-new. */
export interface SearchCarry {
  nextIndex: number;
  strategyState: StrategyState;
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
  parallel: number;
  paused: boolean;
}

export interface SearchSummary {
  searchId: string;
  status: 'finished' | 'stopped';
  counts: Partial<Record<TrialState, number>>;
  best: BestTrial | null;
}

/** Continue-as-new well before Temporal's 50k-event / 50 MB limits. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 4000;
const DEFAULT_TRIALS_PER_RUN = 500;

export async function searchWorkflow(request: SearchRequest, carry?: SearchCarry): Promise<SearchSummary> {
  const space = makeDecisionSpace(request.space);
  const strategy = createStrategy(request.strategy, space, request.seed, carry?.strategyState);
  const finalFidelity = request.strategy.halving ? request.strategy.halving.levels - 1 : 0;

  let nextIndex = carry?.nextIndex ?? 0;
  const runEndsAt = nextIndex + (request.trialsPerRun ?? DEFAULT_TRIALS_PER_RUN);
  const counts: Partial<Record<TrialState, number>> = { ...(carry?.counts ?? {}) };
  let best = carry?.best ?? null;
  let parallel = carry?.parallel ?? request.parallel;
  let paused = carry?.paused ?? false;
  let stopping = false;
  let wake = 0;

  const running = new Map<string, Candidate>();
  const settled: Array<{ candidate: Candidate; outcome: TrialOutcome; description: string }> = [];
  const trainingScope = new CancellationScope();

  setHandler(pauseSignal, () => {
    paused = true;
    wake++;
  });
  setHandler(resumeSignal, () => {
    paused = false;
    wake++;
  });
  setHandler(stopSignal, () => {
    stopping = true;
    wake++;
    trainingScope.cancel();
  });
  setHandler(setParallelismSignal, (n: number) => {
    if (Number.isInteger(n) && n > 0) parallel = n;
    wake++;
  });
  setHandler(
    progressQuery,
    (): SearchProgress => ({
      searchId: request.searchId,
      trials: request.trials,
      parallel,
      dispatched: nextIndex,
      running: [...running.keys()],
      counts,
      best,
      paused,
      stopping,
      finished: false,
      strategy: strategy.summary(),
    }),
  );

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

  const dispatch = (candidate: Candidate): void => {
    const trialIndex = nextIndex++;
    const architecture = space.decode(candidate.choices);
    const description = describeArchitecture(architecture);
    const trialId = `${request.searchId}/${trialIndex}`;
    running.set(trialId, candidate);
    const plan = {
      searchId: request.searchId,
      trialIndex,
      architecture,
      protocol: protocolForFidelity(request.protocol, candidate.fidelity, request.strategy.halving ?? null),
      fidelity: candidate.fidelity,
      budget: request.budget,
      input: request.input,
      classes: request.classes,
      trainerTaskQueue: request.trainerTaskQueue,
    };
    void trainingScope
      .run(() => runTrial(plan))
      .then((outcome) => settled.push({ candidate, outcome, description }))
      .catch((err: unknown) =>
        settled.push({
          candidate,
          description,
          outcome: { trialId, status: 'failed', valAccuracy: null, testAccuracy: null, params: 0, flops: 0, error: String(err) },
        }),
      )
      .finally(() => running.delete(trialId));
  };

  const absorbSettled = (): void => {
    const observations = settled.splice(0).map(({ candidate, outcome, description }) => {
      counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
      const ok = (outcome.status === 'succeeded' || outcome.status === 'reused') && outcome.valAccuracy !== null;
      if (ok && candidate.fidelity === finalFidelity && (best === null || outcome.valAccuracy! > best.valAccuracy)) {
        best = { trialId: outcome.trialId, valAccuracy: outcome.valAccuracy!, description };
      }
      const value = ok
        ? reward({ valAccuracy: outcome.valAccuracy!, params: outcome.params, flops: outcome.flops }, request.reward)
        : null;
      return { choices: candidate.choices, fidelity: candidate.fidelity, reward: value };
    });
    if (observations.length > 0) strategy.observe(observations);
  };

  let recordedStatus: 'running' | 'paused' = paused ? 'paused' : 'running';
  let continueAfterDrain = false;
  for (;;) {
    absorbSettled();
    if (stopping) break;
    const wanted = paused ? 'paused' : 'running';
    if (wanted !== recordedStatus) {
      await orchestration.setSearchStatus({ searchId: request.searchId, status: wanted });
      recordedStatus = wanted;
    }
    continueAfterDrain ||=
      nextIndex >= runEndsAt ||
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    if (!paused && !continueAfterDrain) {
      const room = Math.min(parallel - running.size, request.trials - nextIndex, runEndsAt - nextIndex);
      if (room > 0) strategy.propose(room).forEach(dispatch);
    }
    if (running.size === 0 && settled.length === 0) {
      if (nextIndex >= request.trials || continueAfterDrain) break;
      // Nothing running, nothing proposed: only a signal can change that.
      if (!paused) break;
    }
    const seen = wake;
    await condition(() => settled.length > 0 || wake !== seen);
  }

  if (stopping) {
    await condition(() => running.size === 0);
    absorbSettled();
  } else if (continueAfterDrain && nextIndex < request.trials) {
    return await continueAsNew<typeof searchWorkflow>(request, {
      nextIndex,
      strategyState: strategy.exportState(),
      counts,
      best,
      parallel,
      paused,
    });
  }

  const status = stopping ? 'stopped' : 'finished';
  await orchestration.finishSearch({ searchId: request.searchId, status });
  return { searchId: request.searchId, status, counts, best };
}
