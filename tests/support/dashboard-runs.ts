/**
 * Real runs for the dashboard's browser tests, on a real Temporal dev server: a tiny search and a
 * baselines run under its protocol trained by the real trainer (so trials, epochs and baselines are
 * real rows), then a final evaluation of the search and a scaling study with the stub trainer.
 */
import { BASELINES } from '../../cells/baselines/index.ts';
import { createStubTrainer } from '../../harness/stub-trainer.ts';
import { tinyScalingRequest, tinySearchRequest, TRAINER_QUEUE, type SearchStack } from '../../harness/search-stack.ts';
import { finalIdOf, type FinalizeRequest } from '../../search/final.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../../workers/task-queues.ts';
import { baselinesWorkflow, type BaselinesRequest } from '../../workflows/baselines.ts';
import { finalizeWorkflow } from '../../workflows/finalize.ts';
import { scalingStudyWorkflow } from '../../workflows/scaling.ts';
import { searchWorkflow } from '../../workflows/search.ts';
import type { SearchRequest } from '../../search/request.ts';

export interface DashboardRuns {
  search: SearchRequest;
  baselinesId: string;
  finalId: string;
  studyId: string;
}

const entry = (name: string) => {
  const index = BASELINES.findIndex((b) => b.name === name);
  return { index, name, architecture: BASELINES[index].architecture };
};

export async function recordDashboardRuns(stack: SearchStack): Promise<DashboardRuns> {
  const client = stack.env.client.workflow;
  const search = tinySearchRequest({
    searchId: 'dashboard-search',
    trials: 3,
    parallel: 1,
    protocol: { ...tinySearchRequest().protocol, epochs: 2 },
  });
  const baselines: BaselinesRequest = {
    searchId: 'dashboard-baselines',
    entries: [entry('lenet5')],
    protocol: search.protocol,
    parallel: 1,
    budget: search.budget,
    input: search.input,
    classes: search.classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
  await stack.withWorkers(async () => {
    await client.execute(searchWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: search.searchId,
      args: [search],
    });
    await client.execute(baselinesWorkflow, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: baselines.searchId,
      args: [baselines],
    });
  });

  const base = {
    top: 2,
    repeats: 2,
    baselines: [entry('lenet5')],
    protocol: { ...search.protocol, trainSize: 300, testSize: 100 },
  };
  const final: FinalizeRequest = {
    finalId: finalIdOf(search.searchId, base),
    searchId: search.searchId,
    ...base,
    parallel: 2,
    input: search.input,
    classes: search.classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
  const study = tinyScalingRequest('dashboard-scaling');
  await stack.withWorkers(
    async () => {
      await client.execute(finalizeWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: final.finalId,
        args: [final],
      });
      await client.execute(scalingStudyWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: study.studyId,
        args: [study],
      });
    },
    () => createStubTrainer(stack.database.db, { minMs: 20, maxMs: 60 }),
    { trainerSlots: 4 },
  );
  return { search, baselinesId: baselines.searchId, finalId: final.finalId, studyId: study.studyId };
}
