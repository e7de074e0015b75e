/**
 * A tiny real reference build: the reference workflow on a Temporal dev server with the project's
 * tfjs trainer (wasm here) training two architectures of the default NASNet space under very
 * small protocols (a handful of steps on the IDX fixture), recording CPU time and latency; its
 * file round-trips; the same request again, or another build of the same trainings, trains nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingActivities } from '../contracts/activities.ts';
import { referenceFileOf } from '../cli/reference-export.ts';
import { listTrials } from '../db/queries/trials.ts';
import { createSearchStack, TRAINER_QUEUE, type SearchStack } from '../harness/search-stack.ts';
import { protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { referenceIdOf, type ReferenceRequest } from '../search/reference.ts';
import { parseReferenceFile, renderReferenceFile } from '../search/reference-file.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { referenceWorkflow } from '../workflows/reference.ts';

describe('a tiny real reference build', () => {
  let stack: SearchStack;
  const trained: string[] = [];
  beforeAll(async () => {
    stack = await createSearchStack('pglite');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const seed = 5;
  const tiny: TrainingProtocol = {
    dataset: 'fashion-mnist',
    trainSize: 64,
    valSize: 32,
    testSize: 32,
    epochs: 1,
    batchSize: 16,
    optimizer: 'adam',
    learningRate: 1e-3,
    lrSchedule: 'constant',
    augmentation: 'none',
    seed,
    bnRecalibrationBatches: 2,
  };
  const plan = { seed, architectures: 2, secondSeed: 1, reference: tiny, cheap: { ...tiny, trainSize: 32 } };
  const request = (referenceId = referenceIdOf(plan)): ReferenceRequest => ({
    referenceId,
    ...plan,
    parallel: 1,
    input: { height: 28, width: 28, channels: 1 },
    classes: 10,
    trainerTaskQueue: TRAINER_QUEUE,
  });
  const build = (r: ReferenceRequest) =>
    stack.withWorkers(
      () =>
        stack.env.client.workflow.execute(referenceWorkflow, {
          taskQueue: ORCHESTRATOR_TASK_QUEUE,
          workflowId: `${r.referenceId}-${trained.length}`,
          args: [r],
        }),
      (real): TrainingActivities => ({
        trainTrial: (input) => {
          trained.push(input.trialId);
          return real.trainTrial(input);
        },
      }),
    );

  it('trains 2 architectures x (reference, cheap) + 1 second seed, each recording accuracies, CPU time and latency', async () => {
    const summary = await build(request());
    expect(summary).toMatchObject({ status: 'finished', counts: { succeeded: 5 } });
    expect(trained).toHaveLength(5);
    const rows = await listTrials(stack.database.db, request().referenceId);
    expect(rows.map((t) => [t.trialIndex, t.seed, t.protocolHash])).toEqual([
      [0, 5, protocolHash(plan.reference)],
      [1, 5, protocolHash(plan.cheap)],
      [2, 6, protocolHash(plan.reference)],
      [3, 5, protocolHash(plan.reference)],
      [4, 5, protocolHash(plan.cheap)],
    ]);
    for (const t of rows) {
      expect(t.status).toBe('succeeded');
      expect(t.cpuSeconds!).toBeGreaterThan(0.05);
      // The training thread's CPU cannot exceed its wall time by much (one thread; a little for measurement granularity).
      expect(t.cpuSeconds!).toBeLessThan((t.trainSeconds ?? 0) + 60);
      expect(t.latencyMs!).toBeGreaterThan(0);
      expect(t.testAccuracy).not.toBeNull();
    }

    const file = (await referenceFileOf(stack.database.db, request().referenceId, 'reference.json'))!;
    expect(file.architectures).toHaveLength(2);
    expect(file.architectures.map((a) => a.trainings.length)).toEqual([3, 2]);
    expect(file.cpu.unmeasured).toBe(0);
    expect(file.cpu.seconds).toBeCloseTo(
      rows.reduce((s, t) => s + t.cpuSeconds!, 0),
      0,
    );
    expect(file.architectures[0].trainings[0]).toMatchObject({
      training: 'reference',
      seed: 5,
      backend: 'wasm',
      status: 'succeeded',
    });
    expect(file.architectures[0].trainings[0].latencyDevice).toMatch(/wasm/);
    expect(parseReferenceFile(renderReferenceFile(file))).toEqual(file);
  }, 600_000);

  it('another build of the same trainings trains nothing: every one is reused', async () => {
    const before = trained.length;
    const again = request('reference-tiny-again');
    const summary = await build(again);
    expect(summary).toMatchObject({ status: 'finished', counts: { reused: 5 } });
    expect(trained).toHaveLength(before);
    const file = (await referenceFileOf(stack.database.db, again.referenceId, 'reference.json'))!;
    const first = (await referenceFileOf(stack.database.db, request().referenceId, 'reference.json'))!;
    expect(file.architectures).toEqual(first.architectures);
  }, 300_000);
});
