/**
 * Importing a committed reference file (cli/reference-import.ts) on both drivers: its
 * trainings become reusable results, a second import adds nothing, and a training under a
 * protocol whose hash this version computes otherwise is left to be trained again.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Driver } from '../db/client.ts';
import { importIdOf, importReferenceFile } from '../cli/reference-import.ts';
import { findReusableTrial, listTrials } from '../db/queries/trials.ts';
import { createTestDatabase } from '../harness/test-database.ts';
import { parseReferenceFile, type ReferenceFile } from '../search/reference-file.ts';

const committed = (): ReferenceFile =>
  parseReferenceFile(readFileSync(new URL('../data/reference/nasnet-fashion-mnist.json', import.meta.url), 'utf8'));

describe.each<Driver>(['pglite', 'postgres'])('importReferenceFile (%s)', (driver) => {
  let handle: DatabaseHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('imports each training once as a reusable result with the file measurements', async () => {
    handle = await createTestDatabase(driver);
    const { db } = handle;
    const file = committed();
    const trainings = file.architectures.flatMap((a) => a.trainings);
    expect(trainings.length).toBeGreaterThan(0);
    expect(await importReferenceFile(db, file)).toEqual({ imported: trainings.length, present: 0, staleProtocol: 0 });
    expect(await importReferenceFile(db, file)).toEqual({ imported: 0, present: trainings.length, staleProtocol: 0 });
    const rows = await listTrials(db, importIdOf(file));
    expect(rows).toHaveLength(trainings.length);
    for (const a of file.architectures) {
      for (const t of a.trainings) {
        const found = await findReusableTrial(db, a.hash, t.protocolHash, t.seed, 'another/0');
        expect(found).toMatchObject({
          searchId: importIdOf(file),
          status: t.status,
          seed: t.seed,
          params: a.params,
          flops: a.flops,
        });
        expect(found!.testAccuracy).toBeCloseTo(t.testAccuracy!, 6);
        expect(found!.cpuSeconds).toBeCloseTo(t.cpuSeconds!, 2);
      }
    }
  });

  it('leaves a training whose protocol hash this version computes otherwise to be trained again', async () => {
    handle = await createTestDatabase(driver);
    const file = committed();
    // As if the file were written by a version that hashed the reference protocol otherwise.
    const oldHash = 'ffffffffffffffff';
    const current = file.protocols.reference.hash;
    file.protocols.reference.hash = oldHash;
    for (const a of file.architectures)
      for (const t of a.trainings) if (t.protocolHash === current) t.protocolHash = oldHash;
    const stale = file.architectures.flatMap((a) => a.trainings).filter((t) => t.protocolHash === oldHash).length;
    expect(stale).toBeGreaterThan(0);
    const counts = await importReferenceFile(handle.db, file);
    expect(counts.staleProtocol).toBe(stale);
    expect(counts.imported).toBe(file.architectures.flatMap((a) => a.trainings).length - stale);
    const a = file.architectures[0];
    expect(await findReusableTrial(handle.db, a.hash, current, file.seed, 'another/0')).toBeNull();
    expect(await findReusableTrial(handle.db, a.hash, oldHash, file.seed, 'another/0')).toBeNull();
  });
});
