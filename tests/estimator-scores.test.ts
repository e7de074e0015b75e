/** Zero-cost proxy scores recorded once per key and read back by scope (db/queries/estimator-scores.ts), on PGlite. */
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import {
  recordedEstimatorScores,
  recordEstimatorScores,
  type NewEstimatorScore,
} from '../db/queries/estimator-scores.ts';
import { createTestDatabase } from '../harness/test-database.ts';

const scope = { protocolHash: 'e458a890be75a6eb', batchSize: 64, seed: 7, version: 1 };
const score = (
  archHash: string,
  estimator: NewEstimatorScore['estimator'],
  value: number | null,
): NewEstimatorScore => ({
  ...scope,
  archHash,
  estimator,
  score: value,
  cpuSeconds: 1.5,
  backend: 'wasm',
  device: 'cpu (wasm simd, 1 thread)',
});

describe('estimator scores (pglite)', () => {
  let handle: DatabaseHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('records a score once per (architecture, protocol, batch size, estimator, seed, version) and reads back its scope', async () => {
    handle = await createTestDatabase('pglite');
    const { db } = handle;
    const rows = [score('a', 'synflow', 1.8e32), score('a', 'naswot', null), score('b', 'snip', 254.70299190282822)];
    expect(await recordEstimatorScores(db, rows)).toBe(3);
    // A repeated run (or a concurrent one) adds nothing and keeps the first value.
    expect(await recordEstimatorScores(db, [{ ...rows[0], score: 2 }, score('b', 'grad_norm', 14.1)])).toBe(1);
    // Another seed, batch size, protocol or version is another key.
    await recordEstimatorScores(db, [
      { ...rows[0], seed: 8 },
      { ...rows[0], version: 2 },
      { ...rows[0], batchSize: 32 },
      { ...rows[0], protocolHash: 'other' },
    ]);

    const found = await recordedEstimatorScores(db, scope, ['a', 'b', 'c']);
    const values = Object.fromEntries(found.map((r) => [`${r.archHash}/${r.estimator}`, r.score]));
    expect(values).toEqual({
      'a/synflow': 1.8e32,
      'a/naswot': null,
      'b/snip': 254.70299190282822,
      'b/grad_norm': 14.1,
    });
    expect(found.find((r) => r.estimator === 'snip')).toMatchObject({ cpuSeconds: 1.5, backend: 'wasm' });
    expect(await recordedEstimatorScores(db, scope, ['b'])).toHaveLength(2);
    expect(await recordedEstimatorScores(db, { ...scope, seed: 8 }, ['a', 'b'])).toHaveLength(1);
    expect(await recordedEstimatorScores(db, { ...scope, version: 2 }, ['a', 'b'])).toHaveLength(1);
    expect(await recordedEstimatorScores(db, scope, [])).toEqual([]);
  });

  it('refuses an estimator that is not a zero-cost proxy', async () => {
    handle = await createTestDatabase('pglite');
    const bad = { ...score('a', 'synflow', 1), estimator: 'params' } as unknown as NewEstimatorScore;
    await expect(recordEstimatorScores(handle.db, [bad])).rejects.toThrow();
  });
});
