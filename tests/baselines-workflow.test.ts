/** baselinesWorkflow on a real dev server: baselines train as tagged trials; stop ends it early. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINES } from '../cells/baselines/index.ts';
import { getSearch } from '../db/queries/searches.ts';
import { listTrials } from '../db/queries/trials.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { baselinesWorkflow, type BaselinesRequest } from '../workflows/baselines.ts';
import { stopSignal } from '../workflows/signals.ts';
import { createSearchStack, tinySearchRequest, TRAINER_QUEUE, type SearchStack } from '../harness/search-stack.ts';

function baselinesRequest(searchId: string, names: string[], epochs: number): BaselinesRequest {
  const { protocol, budget, input, classes } = tinySearchRequest();
  return {
    searchId,
    entries: names.map((name) => {
      const index = BASELINES.findIndex((b) => b.name === name);
      return { index, name, architecture: BASELINES[index].architecture };
    }),
    protocol: { ...protocol, epochs },
    parallel: 1,
    budget,
    input,
    classes,
    trainerTaskQueue: TRAINER_QUEUE,
  };
}

describe('baselinesWorkflow on a real Temporal dev server', () => {
  let stack: SearchStack;
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('trains each baseline into a trial tagged with its name, under a search of kind baselines', async () => {
    const request = baselinesRequest('baselines-two', ['lenet5', 'alexnet-small'], 1);
    const outcomes = await stack.withWorkers(() =>
      stack.env.client.workflow.execute(baselinesWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      }),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.map((r) => [r.baselineName, r.status]).sort()).toEqual([
      ['alexnet-small', 'succeeded'],
      ['lenet5', 'succeeded'],
    ]);
    expect(await getSearch(stack.database.db, request.searchId)).toMatchObject({
      kind: 'baselines',
      status: 'finished',
    });
  });

  it('stops on the stop signal: the running baseline is cancelled and no further one starts', async () => {
    const request = baselinesRequest('baselines-stopped', ['lenet5', 'alexnet-small', 'resnet20'], 60);
    const outcomes = await stack.withWorkers(async () => {
      const handle = await stack.env.client.workflow.start(baselinesWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: request.searchId,
        args: [request],
      });
      for (let i = 0; i < 400; i++) {
        const rows = await listTrials(stack.database.db, request.searchId);
        if (rows.some((r) => r.status === 'running')) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await handle.signal(stopSignal);
      return handle.result();
    });
    expect(outcomes.map((o) => o.status)).toEqual(['cancelled']);
    const rows = await listTrials(stack.database.db, request.searchId);
    expect(rows.map((r) => [r.baselineName, r.status])).toEqual([['lenet5', 'cancelled']]);
    expect((await getSearch(stack.database.db, request.searchId))?.status).toBe('stopped');
  });
});
