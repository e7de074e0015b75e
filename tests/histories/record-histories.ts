/**
 * Records the workflow histories replayed by tests/workflow-replay.test.ts: a small search, a
 * baselines run and a scaling study, on a dev server with the stub trainer.
 *   npx tsx tests/histories/record-histories.ts
 * Record again whenever a workflow change is meant to be incompatible with running workflows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINES } from '../../cells/baselines';
import { EFFICIENTNET_COEFFICIENTS } from '../../cells/efficientnet';
import type { ScalingStudyRequest } from '../../search/scaling-plan';
import { ORCHESTRATOR_TASK_QUEUE } from '../../workers/task-queues';
import { baselinesWorkflow } from '../../workflows/baselines';
import { scalingStudyWorkflow } from '../../workflows/scaling';
import { searchWorkflow } from '../../workflows/search';
import { historyToJSON } from '../../harness/history-json';
import { createSearchStack, tinySearchRequest, TRAINER_QUEUE } from '../../harness/search-stack';
import { createStubTrainer } from '../../harness/stub-trainer';

const dir = new URL('.', import.meta.url).pathname;


async function main(): Promise<void> {
  const stack = await createSearchStack('pglite');
  const client = stack.env.client;
  const search = tinySearchRequest({
    searchId: 'history-search',
    strategy: { name: 'evolution', dedup: true, evolution: { population: 2, sample: 2 } },
    trials: 4,
    parallel: 2,
  });
  const { protocol, input, classes } = search;
  const baselines = {
    searchId: 'history-baselines',
    entries: ['lenet5', 'alexnet-small'].map((name) => {
      const index = BASELINES.findIndex((b) => b.name === name);
      return { index, name, architecture: BASELINES[index].architecture };
    }),
    protocol,
    parallel: 2,
    budget: {},
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
  const scaling: ScalingStudyRequest = {
    studyId: 'history-scaling',
    baseName: 'tiny-effnet',
    base: {
      family: 'efficientnet',
      version: 1,
      stemFilters: 8,
      stages: [
        { kernel: 3, expansion: 1, repeats: 1, filters: 8, strides: 2 },
        { kernel: 3, expansion: 4, repeats: 1, filters: 16, strides: 2 },
      ],
      headFilters: 32,
      scaling: { ...EFFICIENTNET_COEFFICIENTS, phi: 0 },
    },
    gridStep: 0.4,
    tolerance: 0.1,
    phiMax: 1,
    parallel: 2,
    protocol,
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
  try {
    await stack.withWorkers(
      async () => {
        const options = { taskQueue: ORCHESTRATOR_TASK_QUEUE };
        await client.workflow.execute(searchWorkflow, { ...options, workflowId: search.searchId, args: [search] });
        await client.workflow.execute(baselinesWorkflow, { ...options, workflowId: baselines.searchId, args: [baselines] });
        await client.workflow.execute(scalingStudyWorkflow, { ...options, workflowId: scaling.studyId, args: [scaling] });
      },
      () => createStubTrainer(stack.database.db, { seed: 4 }),
      { trainerSlots: 2 },
    );
    for (const [name, workflowId] of [
      ['search', search.searchId],
      ['baselines', baselines.searchId],
      ['scaling', scaling.studyId],
    ]) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const json = { workflowId, history: historyToJSON(history) };
      writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
      console.log(`${name}: ${history.events?.length} events`);
    }
  } finally {
    await stack.close();
  }
}

await main();
