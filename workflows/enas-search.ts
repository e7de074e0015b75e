/**
 * enasSearchWorkflow: a weight-sharing search (`--strategy enas`, search/sharing.ts). Each round
 * trains the shared network for S steps on sampled architectures, then scores M sampled
 * architectures with its weights and, in the reinforce arm, updates the REINFORCE controller with
 * their accuracies. The controller (or the uniform arm's random strategy) runs here, seeded by the
 * search's seed: the same seed gives the same search. Each scored architecture is recorded as a
 * trial of role `shared` whose validation accuracy is its shared-weight score.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { describeArchitecture } from '../cells/index.ts';
import type { StrategySummary } from '../contracts/activities.ts';
import type { NasnetArchitecture } from '../contracts/genotypes.ts';
import { trialIdOf } from '../contracts/trial-id.ts';
import { RequestError } from '../contracts/request-error.ts';
import type { SearchRequest } from '../search/request.ts';
import type { SharingRequest } from '../search/sharing.ts';
import { makeDecisionSpace } from '../search/spaces.ts';
import { createStrategy, type Strategy } from '../search/strategies/index.ts';
import type { ScoreSharedPhaseResult, SharedNasnetSpace, TrainSharedPhaseResult } from '../contracts/activities.ts';
import { validateSearchRequest } from '../search/validate-request.ts';
import { orchestration } from './activities.ts';
import { sharedSetup, trainThenScore } from './enas-phases.ts';
import { failSearchOnError, rejectInvalid } from './failure.ts';
import { finalizeAsChild } from './finalize-child.ts';
import type { SearchSummary } from './search.ts';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  stopSignal,
  type BestTrial,
  type SearchProgress,
} from './signals.ts';

export async function enasSearchWorkflow(request: SearchRequest): Promise<SearchSummary> {
  rejectInvalid(() => {
    if (request.sharing === undefined) throw new RequestError('sharing', 'is required by a weight-sharing search');
    validateSearchRequest(request);
  });
  return failSearchOnError(request.searchId, async () => {
    const sharing = request.sharing!;
    const space = makeDecisionSpace(request.space);
    const sampler = createStrategy(request.strategy, space, request.seed);
    const run = new SharingProgress(request, sampler);
    await orchestration.recordSearch({
      searchId: request.searchId,
      kind: 'search',
      space: request.space.space,
      strategy: 'enas',
      seed: request.seed,
      trials: request.trials,
      config: request,
    });
    const { space: _name, ...shared } = request.space;
    const setup = sharedSetup({ ...request, space: shared as SharedNasnetSpace });
    const sample = (count: number) =>
      sampler
        .propose(count)
        .map((c) => ({ choices: c.choices, architecture: space.decode(c.choices) as NasnetArchitecture }));

    for (let round = 0; round < sharing.rounds; round++) {
      await condition(() => !run.paused || run.stopping);
      if (run.stopping) break;
      const fromStep = round * sharing.stepsPerRound;
      const byController = sharing.arm === 'reinforce' && round >= sharing.warmupRounds;
      run.phase = `round ${round}: training steps ${fromStep}..${fromStep + sharing.stepsPerRound - 1}`;
      const { train, score, scored } = await trainThenScore(
        setup,
        request.trainerTaskQueue,
        {
          fromStep,
          toStep: fromStep + sharing.stepsPerRound,
          architectures: byController
            ? { perStep: sample(sharing.stepsPerRound).map((s) => s.architecture) }
            : { uniformSeed: request.seed },
          learningRate: sharing.learningRate,
          ...(sharing.checkpointEvery !== undefined && { checkpointEvery: sharing.checkpointEvery }),
        },
        () => {
          run.phase = `round ${round}: scoring ${sharing.candidates} architectures`;
          return { round, batches: sharing.validationBatches, sampled: sample(sharing.candidates) };
        },
      );
      sampler.observe(scored.map((s, i) => ({ choices: s.choices, fidelity: 0, reward: score.scores[i].accuracy })));
      const summary = run.roundDone(round, byController, train, score);
      const first = round * sharing.candidates;
      await orchestration.recordSharedScores({
        searchId: request.searchId,
        protocol: request.protocol,
        input: request.input,
        classes: request.classes,
        summary,
        scored: scored.map((s, i) => ({
          trialIndex: first + i,
          architecture: s.architecture,
          accuracy: score.scores[i].accuracy,
          loss: score.scores[i].loss,
        })),
      });
      scored.forEach((s, i) => run.scored(first + i, s.architecture, score.scores[i].accuracy));
    }
    const status = run.stopping ? 'stopped' : 'finished';
    await orchestration.finishSearch({ searchId: request.searchId, status });
    run.phase = status;
    const ended: SearchSummary = { searchId: request.searchId, status, counts: run.counts, best: run.best };
    if (!request.finalize || status !== 'finished') return ended;
    return { ...ended, final: await finalizeAsChild(request, () => run.progress(false)) };
  });
}

/** What the progress query reports: rounds done, the sampler's summary, the shared network's last curve. */
class SharingProgress {
  paused = false;
  stopping = false;
  phase = 'starting';
  counts: SearchSummary['counts'] = {};
  best: BestTrial | null = null;
  private last: StrategySummary = {};

  private readonly request: SearchRequest;
  private readonly sampler: Strategy;
  constructor(request: SearchRequest, sampler: Strategy) {
    this.request = request;
    this.sampler = sampler;
    setHandler(stopSignal, () => void (this.stopping = true));
    setHandler(pauseSignal, () => void (this.paused = true));
    setHandler(resumeSignal, () => void (this.paused = false));
    setHandler(progressQuery, () => this.progress(false));
  }

  /** The round's summary, kept with each of its trials: the sampler after its update and the round's training curve. */
  roundDone(
    round: number,
    byController: boolean,
    { step, curve, cpuSeconds: trainCpuSeconds }: TrainSharedPhaseResult,
    { cpuSeconds: scoreCpuSeconds }: ScoreSharedPhaseResult,
  ): StrategySummary {
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const sharing = this.request.sharing as SharingRequest;
    this.last = {
      ...this.sampler.summary(),
      arm: sharing.arm,
      round,
      scoredImages: sharing.validationBatches * this.request.protocol.batchSize,
      trainedOn: byController ? 'controller' : 'uniform',
      sharedStep: step,
      trainLoss: mean(curve.map((c) => c.loss)),
      trainAccuracy: mean(curve.map((c) => c.accuracy)),
      ...(typeof trainCpuSeconds === 'number' && { trainCpuSeconds }),
      ...(typeof scoreCpuSeconds === 'number' && { scoreCpuSeconds }),
    };
    return this.last;
  }

  scored(trialIndex: number, architecture: NasnetArchitecture, accuracy: number): void {
    this.counts.succeeded = (this.counts.succeeded ?? 0) + 1;
    if (this.best && this.best.valAccuracy >= accuracy) return;
    const trialId = trialIdOf(this.request.searchId, trialIndex);
    this.best = { trialId, valAccuracy: accuracy, description: describeArchitecture(architecture) };
  }

  progress(finished: boolean): SearchProgress {
    return {
      searchId: this.request.searchId,
      trials: this.request.trials,
      parallel: 1,
      dispatched: this.counts.succeeded ?? 0,
      running: finished ? [] : [this.phase],
      counts: this.counts,
      best: this.best,
      paused: this.paused,
      stopping: this.stopping,
      finished,
      strategy: this.last,
    };
  }
}
