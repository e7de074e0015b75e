/**
 * Records the workflow histories replayed by tests/workflow-replay.test.ts: a small search, a
 * baselines run, a scaling study and a final evaluation of the search, on a dev server with the
 * stub trainer, and a small weight-sharing search (real shared-network phases).
 *   node tests/histories/record-histories.ts [search] [baselines] [scaling] [final] [enas]
 * (default all; name some to record only those, e.g. a new workflow's, keeping the others' older recordings).
 * Record again whenever a workflow change is meant to be incompatible with running workflows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINES } from '../../cells/baselines/index.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../../workers/task-queues.ts';
import { baselinesWorkflow } from '../../workflows/baselines.ts';
import { scalingStudyWorkflow } from '../../workflows/scaling.ts';
import { searchWorkflow } from '../../workflows/search.ts';
import { finalizeWorkflow } from '../../workflows/finalize.ts';
import { enasSearchWorkflow } from '../../workflows/enas-search.ts';
import { finalIdOf, type FinalizeRequest } from '../../search/final.ts';
import { historyToJSON } from '../../harness/history-json.ts';
import {
  createSearchStack,
  tinyEnasRequest,
  tinySearchRequest,
  TRAINER_QUEUE,
  tinyScalingRequest,
} from '../../harness/search-stack.ts';
import { createStubTrainer } from '../../harness/stub-trainer.ts';

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
  const scaling = tinyScalingRequest('history-scaling', { protocol });

  const finalPlan = { top: 2, repeats: 2, baselines: baselines.entries.slice(0, 1), protocol: { ...protocol, epochs: 2 } };
  const final: FinalizeRequest = {
    finalId: finalIdOf(search.searchId, finalPlan),
    searchId: search.searchId,
    ...finalPlan,
    parallel: 2,
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
  const enas = tinyEnasRequest('history-enas', 'reinforce', { rounds: 2, candidates: 2 });
  const all = ['search', 'baselines', 'scaling', 'final', 'enas'];
  const chosen = process.argv.length > 2 ? process.argv.slice(2) : all;
  const unknown = chosen.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown history ${unknown.join(', ')}; known: ${all.join(', ')}`);
  try {
    await stack.withWorkers(
      async () => {
        const options = { taskQueue: ORCHESTRATOR_TASK_QUEUE };
        // The search always runs: the final evaluation takes its candidates.
        await client.workflow.execute(searchWorkflow, { ...options, workflowId: search.searchId, args: [search] });
        if (chosen.includes('baselines')) await client.workflow.execute(baselinesWorkflow, { ...options, workflowId: baselines.searchId, args: [baselines] });
        if (chosen.includes('scaling')) await client.workflow.execute(scalingStudyWorkflow, { ...options, workflowId: scaling.studyId, args: [scaling] });
        if (chosen.includes('final')) await client.workflow.execute(finalizeWorkflow, { ...options, workflowId: final.finalId, args: [final] });
        if (chosen.includes('enas')) await client.workflow.execute(enasSearchWorkflow, { ...options, workflowId: enas.searchId, args: [enas] });
      },
      () => createStubTrainer(stack.database.db, { seed: 4 }),
      { trainerSlots: 2 },
    );
    for (const [name, workflowId] of [
      ['search', search.searchId],
      ['baselines', baselines.searchId],
      ['scaling', scaling.studyId],
      ['final', final.finalId],
      ['enas', enas.searchId],
    ].filter(([name]) => chosen.includes(name))) {
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
