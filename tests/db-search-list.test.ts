/** `nas search list`'s query on both drivers: every run, newest first, with its settled trials and best result. */
import { expect, it } from 'vitest';
import { listSearches } from '../db/queries/search-list.ts';
import { describeEachDriver } from './support/db-helpers.ts';
import { CREATED, seedSearchList } from './support/search-list-fixture.ts';

describeEachDriver('search list', (db) => {
  it('lists every kind of run, newest first, with trials settled/planned and the best validation accuracy of a result', async () => {
    expect(await listSearches(db())).toEqual([]);
    await seedSearchList(db());
    expect(await listSearches(db())).toEqual([
      {
        id: 'list-scaling',
        kind: 'scaling',
        status: 'running',
        strategy: null,
        trialsDone: 0,
        trialsPlanned: 22,
        bestValAccuracy: null,
        createdAt: CREATED.scaling,
      },
      {
        id: 'list-final',
        kind: 'final',
        status: 'running',
        strategy: null,
        trialsDone: 0,
        trialsPlanned: 10,
        bestValAccuracy: null,
        createdAt: CREATED.final,
      },
      {
        id: 'list-baselines',
        kind: 'baselines',
        status: 'running',
        strategy: null,
        trialsDone: 1,
        trialsPlanned: 10,
        bestValAccuracy: null,
        createdAt: CREATED.baselines,
      },
      {
        id: 'list-search',
        kind: 'search',
        status: 'running',
        strategy: 'random',
        trialsDone: 4,
        trialsPlanned: 10,
        bestValAccuracy: expect.closeTo(0.85, 6) as number,
        createdAt: CREATED.search,
      },
    ]);
  });
});
