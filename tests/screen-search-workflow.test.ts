/**
 * A screened random search on a real Temporal dev server: N proposals scored by the trainers, the
 * K best by score trained (best first, across continue-as-new), scores recorded and reused by a
 * rerun, the score of each trained architecture in its leaderboard.
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureCost, architectureHash } from '../cells/index.ts';
import { renderLeaderboard } from '../cli/commands/leaderboard.ts';
import { runPage } from '../dashboard/pages/run.ts';
import { DEFAULT_RUN_VIEW } from '../dashboard/pages/run-view.ts';
import { estimatorScoreScopeOf, recordedEstimatorScores } from '../db/queries/estimator-scores.ts';
import { leaderboard } from '../db/queries/leaderboard.ts';
import { listTrials } from '../db/queries/trials.ts';
import type { SearchRequest } from '../search/request.ts';
import { candidatesOfTrial } from '../search/screening.ts';
import { makeDecisionSpace } from '../search/spaces.ts';
import { createStrategy } from '../search/strategies/index.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { progressQuery, stopSignal } from '../workflows/signals.ts';
import { createSearchStack, tinySearchRequest, workflowBundle, type SearchStack } from '../harness/search-stack.ts';

const CANDIDATES = 12;
const TRIALS = 3;

/** The architectures the search's random strategy proposes first, as the workflow decodes them. */
function proposals(request: SearchRequest, count: number) {
  const space = makeDecisionSpace(request.space);
  return createStrategy(request.strategy, space, request.seed)
    .propose(count)
    .map((c) => {
      const architecture = space.decode(c.choices);
      return { architecture, hash: architectureHash(architecture) };
    });
}

/** Trials of a search in trial-index order. */
async function trialsInOrder(stack: SearchStack, searchId: string) {
  return (await listTrials(stack.database.db, searchId)).sort((a, b) => a.trialIndex - b.trialIndex);
}

describe('a screened random search on a real Temporal dev server', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const screened = (searchId: string, overrides: Partial<SearchRequest> = {}) =>
    tinySearchRequest({
      searchId,
      trials: TRIALS,
      parallel: 2,
      screen: { estimator: 'synflow', candidates: CANDIDATES },
      // Continues-as-new after 2 trials: the third comes from the screened trials it carries.
      trialsPerRun: 2,
      ...overrides,
    });
  const run = (request: SearchRequest) =>
    stack.withWorkers(() =>
      stack.env.client.workflow.execute(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      }),
    );
  const activityNames = async (workflowId: string) => {
    const names: string[] = [];
    for await (const execution of stack.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await stack.env.client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
      for (const e of history.events ?? []) {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (name) names.push(name);
      }
    }
    return names;
  };

  it('scores N proposals with synflow on the trainers and trains only the K best, best first', async () => {
    const request = screened('screened-synflow');
    const summary = await run(request);
    expect(summary.status).toBe('finished');
    expect(summary.screening).toEqual({
      estimator: 'synflow',
      candidates: CANDIDATES,
      scored: CANDIDATES,
      computed: CANDIDATES,
      reused: 0,
    });

    // Every proposal's proxies are recorded, once.
    const proposed = proposals(request, CANDIDATES);
    const scope = estimatorScoreScopeOf(request.protocol);
    const recorded = await recordedEstimatorScores(
      stack.database.db,
      scope,
      proposed.map((p) => p.hash),
    );
    expect(recorded).toHaveLength(CANDIDATES * 4);
    const synflow = new Map(recorded.filter((r) => r.estimator === 'synflow').map((r) => [r.archHash, r.score!]));
    expect(synflow.size).toBe(CANDIDATES);

    // The trials are the top K by score, trial 0 the best, each with its score and rank.
    const topK = [...proposed].sort((a, b) => synflow.get(b.hash)! - synflow.get(a.hash)!).slice(0, TRIALS);
    const rows = await trialsInOrder(stack, request.searchId);
    expect(rows.map((r) => r.archHash)).toEqual(topK.map((p) => p.hash));
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(rows.map((r) => r.strategySummary?.screenRank)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.strategySummary?.screenScore)).toEqual(topK.map((p) => synflow.get(p.hash)));

    // Two screening batches (12 = 8 + 4) on the trainer queue and K trainings, over two runs that replay.
    const names = await activityNames(request.searchId);
    expect(names.filter((n) => n === 'scoreCandidates')).toHaveLength(2);
    expect(names.filter((n) => n === 'trainTrial')).toHaveLength(TRIALS);
  });

  it('shows each trained architecture’s screening score and rank in its leaderboard', async () => {
    const db = stack.database.db;
    const rows = await trialsInOrder(stack, 'screened-synflow');
    const board = await leaderboard(db, { searchId: 'screened-synflow' });
    expect(board).toHaveLength(TRIALS);
    for (const row of board) {
      const trial = rows.find((r) => r.archHash === row.archHash)!;
      expect(row.screenEstimator).toBe('synflow');
      expect(row.screenScore).toBe(trial.strategySummary?.screenScore);
      expect(row.screenRank).toBe(trial.strategySummary?.screenRank);
    }
    const table = await renderLeaderboard(db, { searchId: 'screened-synflow' });
    const [header, ...lines] = table.split('\n');
    expect(header).toMatch(/synflow \(screen\)\s+screen rank/);
    const best = board.find((r) => r.screenRank === 1)!;
    expect(lines.find((l) => l.includes(best.trialId))).toContain(best.screenScore!.toPrecision(4));
    // A search without screening has no such column.
    const plain = tinySearchRequest({ searchId: 'not-screened', trials: 1, parallel: 1 });
    await run(plain);
    expect((await leaderboard(db, { searchId: plain.searchId }))[0].screenEstimator).toBeUndefined();
    expect(await renderLeaderboard(db, { searchId: plain.searchId })).not.toMatch(/\(screen\)|screen rank/);
  });

  it('shows the screening and each trial’s score on the dashboard’s run page, sortable by it', async () => {
    const db = stack.database.db;
    const rows = await trialsInOrder(stack, 'screened-synflow');
    const page = await runPage(
      db,
      'screened-synflow',
      { ...DEFAULT_RUN_VIEW, sort: 'screen', direction: 'asc' },
      {
        trialsPerPage: 50,
      },
    );
    const text = (id: string) => page!.sections.find((s) => s.id === id)!.markup.text;
    expect(text('summary')).toContain(
      `synflow scored ${CANDIDATES} proposals; the ${TRIALS} best by score are trained`,
    );
    const table = text('trials');
    expect(table).toMatch(/<th class="num"[^>]*><a [^>]*>screen score<\/a><\/th>/);
    // Sorted by score, lowest first: the trials in reverse index order, each with its score and rank.
    const cells = [...table.matchAll(/data-sort="([^"]*)" title="rank (\d+) of the proposals scored">/g)];
    expect(cells.map((m) => Number(m[2]))).toEqual([3, 2, 1]);
    expect(cells.map((m) => Number(m[1]))).toEqual(rows.map((r) => r.strategySummary?.screenScore).reverse());
  });

  it('reuses the recorded scores and trainings when the same search runs again', async () => {
    const first = await trialsInOrder(stack, 'screened-synflow');
    const request = screened('screened-synflow-again');
    const summary = await run(request);
    expect(summary.screening).toMatchObject({ scored: CANDIDATES, computed: 0, reused: CANDIDATES });
    const rows = await trialsInOrder(stack, request.searchId);
    expect(rows.map((r) => r.archHash)).toEqual(first.map((r) => r.archHash));
    expect(rows.every((r) => r.status === 'reused')).toBe(true);
    const scope = estimatorScoreScopeOf(request.protocol);
    const all = await recordedEstimatorScores(
      stack.database.db,
      scope,
      proposals(request, CANDIDATES).map((p) => p.hash),
    );
    expect(all).toHaveLength(CANDIDATES * 4);
  });

  it('screens by parameter count without proxies: the K largest networks are trained', async () => {
    const request = screened('screened-params', {
      seed: 21,
      trials: 2,
      screen: { estimator: 'params', candidates: 10 },
      trialsPerRun: undefined,
    });
    const summary = await run(request);
    expect(summary.screening).toMatchObject({ scored: 10, computed: 0, reused: 0 });
    const params = proposals(request, 10).map((p) => ({
      hash: p.hash,
      params: architectureCost(p.architecture, request.input, request.classes).params,
    }));
    const largest = [...params].sort((a, b) => b.params - a.params).slice(0, 2);
    const rows = await trialsInOrder(stack, request.searchId);
    expect(rows.map((r) => r.archHash)).toEqual(largest.map((p) => p.hash));
    expect(rows.map((r) => r.params)).toEqual(largest.map((p) => p.params));
    const recorded = await recordedEstimatorScores(
      stack.database.db,
      estimatorScoreScopeOf(request.protocol),
      params.map((p) => p.hash),
    );
    expect(recorded).toHaveLength(0);
  });

  it('stops while screening: nothing trained, the scores computed so far kept and reused by the next run', async () => {
    const request = screened('screened-stopped', {
      seed: 31,
      parallel: 1,
      screen: { estimator: 'naswot', candidates: 16 },
    });
    const summary = await stack.withWorkers(async () => {
      const handle = await stack.env.client.workflow.start(searchWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      });
      for (let i = 0; i < 600; i++) {
        const progress = await handle.query(progressQuery);
        if (Number(progress.strategy.screenScored) >= 8) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.signal(stopSignal);
      return handle.result();
    });
    expect(summary.status).toBe('stopped');
    expect(summary.screening?.scored).toBe(8);
    expect(await listTrials(stack.database.db, request.searchId)).toHaveLength(0);

    const again = await run({ ...request, searchId: 'screened-stopped-again' });
    expect(again.status).toBe('finished');
    expect(again.screening?.reused).toBeGreaterThanOrEqual(8);
    expect(again.screening!.computed + again.screening!.reused).toBe(16);
    expect(await listTrials(stack.database.db, 'screened-stopped-again')).toHaveLength(TRIALS);
  });

  it('evolution: each trial is the best by score of its share of the candidates, mutated from what it observed', async () => {
    const request = screened('screened-evolution', {
      seed: 41,
      strategy: { name: 'evolution', dedup: true, window: 0, evolution: { population: 2, sample: 2 } },
      trials: 4,
      parallel: 1,
      screen: { estimator: 'params', candidates: 10 },
      trialsPerRun: 3,
    });
    const summary = await run(request);
    expect(summary.status).toBe('finished');
    expect(summary.screening).toMatchObject({ scored: 10, computed: 0, reused: 0 });
    const rows = await trialsInOrder(stack, request.searchId);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

    // The same strategy, fed the same results: trial i is the largest of the children proposed for it.
    const space = makeDecisionSpace(request.space);
    const strategy = createStrategy(request.strategy, space, request.seed);
    for (const [i, row] of rows.entries()) {
      const children = strategy.propose(candidatesOfTrial(i, 10, 4)).map((c) => {
        const architecture = space.decode(c.choices);
        const { params } = architectureCost(architecture, request.input, request.classes);
        return { choices: c.choices, hash: architectureHash(architecture), params };
      });
      expect(children).toHaveLength([2, 3, 2, 3][i]);
      const best = children.reduce((a, b) => (b.params > a.params ? b : a));
      expect(row.archHash).toBe(best.hash);
      expect(row.strategySummary?.screenScore).toBe(best.params);
      strategy.observe([{ choices: best.choices, fidelity: 0, reward: row.valAccuracy }]);
    }
    const names = await activityNames(request.searchId);
    expect(names.filter((n) => n === 'scoreCandidates')).toHaveLength(4);
  });
});
