/** One run of each kind, created a day apart, for `nas search list` and its query. */
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { upsertSearch } from '../../db/queries/searches.ts';
import { finishTrial } from '../../db/queries/trials.ts';
import { searches } from '../../db/schema.ts';
import { addTrial, createSearch, runTrial, seedCatalogue } from './db-fixtures.ts';

export const CREATED = {
  search: new Date('2026-01-01T10:00:00Z'),
  baselines: new Date('2026-01-02T10:00:00Z'),
  final: new Date('2026-01-03T10:00:00Z'),
  scaling: new Date('2026-01-04T10:00:00Z'),
};

/** Ids list-search, list-baselines, list-final, list-scaling; the search has 10 trials planned, 4 settled, best 85%. */
export async function seedSearchList(db: Database): Promise<void> {
  await seedCatalogue(db, 6);
  await createSearch(db, 'list-search');
  await runTrial(db, await addTrial(db, 'list-search', { index: 0, arch: 0 }), {
    status: 'succeeded',
    valAccuracy: 0.8,
  });
  await runTrial(db, await addTrial(db, 'list-search', { index: 1, arch: 1 }), {
    status: 'succeeded',
    valAccuracy: 0.85,
  });
  // A diverged trial's accuracy is no result.
  await runTrial(db, await addTrial(db, 'list-search', { index: 2, arch: 2 }), {
    status: 'diverged',
    valAccuracy: 0.99,
  });
  await finishTrial(db, await addTrial(db, 'list-search', { index: 3, arch: 1 }), {
    status: 'reused',
    reusedFrom: 'list-search/1',
  });
  await addTrial(db, 'list-search', { index: 4, arch: 3 });

  await createSearch(db, 'list-baselines', 'baselines');
  await runTrial(db, await addTrial(db, 'list-baselines', { index: 0, arch: 4, baselineName: 'lenet5' }), {
    status: 'failed',
    error: 'OOM',
  });
  await createSearch(db, 'list-final', 'final');
  await upsertSearch(db, {
    id: 'list-scaling',
    kind: 'scaling',
    space: 'efficientnet',
    strategy: 'compound-scaling',
    seed: 1,
    trialsRequested: 22,
    config: {},
  });
  for (const [kind, createdAt] of Object.entries(CREATED)) {
    await db
      .update(searches)
      .set({ createdAt })
      .where(eq(searches.id, `list-${kind}`));
  }
}
