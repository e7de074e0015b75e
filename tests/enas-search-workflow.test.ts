/**
 * `--strategy enas` as a workflow on a real Temporal dev server (tiny IDX data, filters 4, one cell
 * per stage): R rounds of training the shared network and scoring M sampled architectures, each
 * recorded as a `shared` trial; the same seed gives the same search; the uniform arm scores uniform
 * samples and trains on uniform ones, the controller arm its own samples after the warm-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharingActivities, TrainSharedPhaseInput } from '../contracts/activities.ts';
import { runPage } from '../dashboard/pages/run.ts';
import { DEFAULT_RUN_VIEW } from '../dashboard/pages/run-view.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { getSearch } from '../db/queries/searches.ts';
import { sharingRounds } from '../db/queries/sharing-rounds.ts';
import { listTrials } from '../db/queries/trials.ts';
import { architectureHash } from '../cells/index.ts';
import { createSearchStack, type SearchStack, tinyEnasRequest } from '../harness/search-stack.ts';
import type { SearchRequest } from '../search/request.ts';
import type { SharingRequest } from '../search/sharing.ts';
import { makeDecisionSpace } from '../search/spaces.ts';
import { createStrategy } from '../search/strategies/index.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { enasSearchWorkflow } from '../workflows/enas-search.ts';

const ROUNDS = 3;
const CANDIDATES = 3;

const enasRequest = (searchId: string, arm: SharingRequest['arm'], seed = 11) =>
  tinyEnasRequest(searchId, arm, { seed, rounds: ROUNDS, candidates: CANDIDATES });

describe('enasSearchWorkflow: a weight-sharing search', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Runs the search; returns its summary and the training phases the trainer was asked for. */
  async function run(request: SearchRequest) {
    const phases: TrainSharedPhaseInput[] = [];
    const wrapSharing = (real: SharingActivities): SharingActivities => ({
      ...real,
      trainSharedPhase(input) {
        phases.push(input);
        return real.trainSharedPhase(input);
      },
    });
    const summary = await stack.withWorkers(
      () =>
        stack.env.client.workflow.execute(enasSearchWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: request.searchId,
          args: [request],
        }),
      undefined,
      { wrapSharing },
    );
    const trials = await listTrials(stack.database.db, request.searchId);
    return { summary, phases, trials, scored: trials.map((t) => [t.archHash, t.valAccuracy]) };
  }

  let controller: Awaited<ReturnType<typeof run>>;

  it('runs R rounds end to end: M shared-weight scores per round recorded as shared trials, ranked by the leaderboard', async () => {
    const request = enasRequest('enas-reinforce-a', 'reinforce');
    controller = await run(request);
    const { db } = stack.database;
    expect(controller.summary).toMatchObject({ status: 'finished', counts: { succeeded: ROUNDS * CANDIDATES } });
    expect(await getSearch(db, request.searchId)).toMatchObject({ status: 'finished', strategy: 'enas' });

    expect(controller.trials).toHaveLength(ROUNDS * CANDIDATES);
    controller.trials.forEach((trial, i) => {
      expect(trial).toMatchObject({ trialIndex: i, role: 'shared', status: 'succeeded', backend: 'shared-weights' });
      expect(trial.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(trial.valAccuracy).toBeLessThanOrEqual(1);
      expect(trial.strategySummary).toMatchObject({ arm: 'reinforce', round: Math.floor(i / CANDIDATES) });
    });

    // One training phase per round, steps continuing; uniform during the warm-up, then the controller's samples.
    expect(controller.phases.map((p) => [p.fromStep, p.toStep])).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
    ]);
    expect(controller.phases[0].architectures).toEqual({ uniformSeed: 11 });
    for (const phase of controller.phases.slice(1)) expect(phase.architectures).toHaveProperty('perStep.length', 3);

    const rounds = await sharingRounds(db, request.searchId);
    expect(rounds.map((r) => [r.round, r.sharedStep, r.trainedOn, r.scored])).toEqual([
      [0, 3, 'uniform', 3],
      [1, 6, 'controller', 3],
      [2, 9, 'controller', 3],
    ]);
    for (const r of rounds) {
      expect(Number.isFinite(r.trainLoss)).toBe(true);
      expect(r.entropyPerDecision).toBeGreaterThan(0);
      // What each phase cost the trainer is kept with its round.
      expect(r.trainCpuSeconds).toBeGreaterThan(0);
      expect(r.scoreCpuSeconds).toBeGreaterThan(0);
    }
    // The run page of the dashboard shows the same rounds.
    const page = await runPage(db, request.searchId, DEFAULT_RUN_VIEW, { trialsPerPage: 50 });
    const section = page!.sections.find((s) => s.id === 'sharing')!.markup.text;
    const shown = [...section.matchAll(/<tr><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><td>(\w+)<\/td>/g)];
    expect(section).toContain('<th class="num">training CPU s</th><th class="num">scoring CPU s</th>');
    expect(shown.map((m) => m.slice(1))).toEqual(
      rounds.map((r) => [String(r.round), String(r.sharedStep), r.trainedOn]),
    );
    // The controller learned once per round, from the round's M scores.
    expect(controller.trials.at(-1)?.strategySummary).toMatchObject({ updates: ROUNDS, observed: ROUNDS * CANDIDATES });

    const board = await leaderboard(db, { searchId: request.searchId, top: 3 });
    expect(board).toHaveLength(3);
    // Its interval is that of the images the score was measured on, not the validation split's.
    const scoredImages = request.sharing!.validationBatches * request.protocol.batchSize;
    expect(scoredImages).toBeLessThan(request.protocol.valSize);
    for (const row of board) expect(row.valSize).toBe(scoredImages);
    const best = Math.max(...controller.trials.map((t) => t.valAccuracy ?? 0));
    expect(board[0].valAccuracy).toBeCloseTo(best, 6);
    expect(controller.summary.best?.valAccuracy).toBeCloseTo(best, 6);
  });

  it('the same seed gives the same scored architectures and scores; another seed another search', async () => {
    const again = await run(enasRequest('enas-reinforce-b', 'reinforce'));
    expect(again.scored).toEqual(controller.scored);
    expect(again.phases.map((p) => p.architectures)).toEqual(controller.phases.map((p) => p.architectures));
    const other = await run(enasRequest('enas-reinforce-seed-12', 'reinforce', 12));
    expect(other.scored).not.toEqual(controller.scored);
  });

  it('--finalize-top: the best shared-weight candidates are retrained from scratch as a child final evaluation', async () => {
    const base = enasRequest('enas-finalized', 'reinforce');
    const request = { ...base, finalize: { top: 2, repeats: 1, baselines: [], protocol: base.protocol } };
    const finalized = await run(request);
    expect(finalized.scored).toEqual(controller.scored);
    expect(finalized.summary.final).toMatchObject({ status: 'finished', candidates: 2, counts: { succeeded: 2 } });
    const finalTrials = await listTrials(stack.database.db, finalized.summary.final!.finalId);
    const board = await leaderboard(stack.database.db, { searchId: request.searchId, top: 2 });
    expect(finalTrials.map((t) => [t.role, t.archHash])).toEqual(board.map((row) => ['final', row.archHash]));
  });

  it('the uniform arm trains and scores uniform samples, unlike the controller arm after its warm-up', async () => {
    const request = enasRequest('enas-uniform', 'uniform');
    const uniform = await run(request);
    expect(uniform.summary.status).toBe('finished');
    expect(uniform.phases.map((p) => p.architectures)).toEqual([
      { uniformSeed: 11 },
      { uniformSeed: 11 },
      { uniformSeed: 11 },
    ]);
    // Its candidates are the seeded uniform draws of the search's decision space, in order.
    const space = makeDecisionSpace(request.space);
    const draws = createStrategy(request.strategy, space, request.seed).propose(ROUNDS * CANDIDATES);
    expect(uniform.trials.map((t) => t.archHash)).toEqual(draws.map((d) => architectureHash(space.decode(d.choices))));
    expect(uniform.trials[0].strategySummary).toMatchObject({ arm: 'uniform', trainedOn: 'uniform' });

    const afterWarmup = (r: typeof uniform) => r.trials.slice(CANDIDATES).map((t) => t.archHash);
    expect(afterWarmup(uniform)).not.toEqual(afterWarmup(controller));
    const rounds = await sharingRounds(stack.database.db, request.searchId);
    expect(rounds.map((r) => r.entropyPerDecision)).toEqual([null, null, null]);
  });
});
