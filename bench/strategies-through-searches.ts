/**
 * The strategy comparison as real searches: the search workflow on the embedded stack (dev server,
 * PGlite, in-process workers) with the simulated trainer, one landscape per seed
 * (NAS_SIMULATED_SEED = seed, NAS_SIMULATED_NOISE = 0, trials that do not wait), every arm's search
 * of that seed at once. Scores are read back from the database: the synthetic quality of each
 * trial's recorded architecture, in trial-index order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { architectures, trials } from '../db/schema.ts';
import { openStack } from '../stack/embedded.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { Landscape, studyRequest, type StudyArm } from './strategy-study.ts';

/** Per arm label, per seed, the scores of the search's trials in index order. */
export async function runThroughSearches(
  arms: StudyArm[],
  seeds: number,
  trialCount: number,
  parallel: number,
  log: (line: string) => void,
): Promise<Map<string, number[][]>> {
  const out = new Map(arms.map((arm) => [arm.label, [] as number[][]]));
  for (let seed = 0; seed < seeds; seed++) {
    const started = performance.now();
    const home = mkdtempSync(join(tmpdir(), 'nas-bench-strategies-'));
    Object.assign(process.env, {
      NAS_HOME: home,
      NAS_SIMULATED_EPOCH_MS: '0',
      NAS_SIMULATED_NOISE: '0',
      NAS_SIMULATED_SEED: String(seed),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    });
    const stack = await openStack({ own: true, backend: 'simulated', trainerConcurrency: parallel * arms.length });
    try {
      const client = await stack.client();
      const requests = arms.map((arm) => ({
        ...studyRequest(arm, seed, trialCount, parallel),
        trainerTaskQueue: stack.taskQueues.trainer,
      }));
      await Promise.all(
        requests.map((request) =>
          client.workflow.execute(searchWorkflow, {
            taskQueue: stack.taskQueues.orchestrator,
            workflowId: request.searchId,
            args: [request],
          }),
        ),
      );
      const { db } = await stack.database();
      for (const [k, request] of requests.entries()) {
        const landscape = new Landscape(request, seed);
        const rows = await db
          .select({ index: trials.trialIndex, genotype: architectures.genotype })
          .from(trials)
          .innerJoin(architectures, eq(architectures.hash, trials.archHash))
          .where(eq(trials.searchId, request.searchId))
          .orderBy(asc(trials.trialIndex));
        if (rows.length !== trialCount)
          throw new Error(`${request.searchId}: ${rows.length} trials recorded of ${trialCount}`);
        out.get(arms[k].label)!.push(rows.map((r) => landscape.score(landscape.space.encode(r.genotype))));
      }
    } finally {
      await stack.close();
      rmSync(home, { recursive: true, force: true });
    }
    log(
      `seed ${seed}: ${arms.length} searches of ${trialCount} trials in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return out;
}
