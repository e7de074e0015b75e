/**
 * One search end to end on a generated `folder:` dataset of 32x32 RGB images (the embedded stack,
 * real Postgres): the trials train on 3-channel input with the dataset's classes, the folder is
 * decoded into the disk cache once. An image broken behind the cache's back is met by the next
 * start's check, which decodes the folder again: exit 2, no search recorded. The trials train on the
 * two threads `--threads 2` gives the in-process trainer. (A trainer meeting a
 * bad image fails that trial with the path: tests/training-activity.test.ts.)
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searches, trials } from '../db/schema.ts';
import { createPostgresTestDatabase } from '../harness/postgres-database.ts';
import { runNas } from '../harness/processes.ts';
import { writeFolderDataset } from './support/datasets.ts';

let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let root: string;

beforeAll(async () => {
  database = await createPostgresTestDatabase();
  root = mkdtempSync(join(tmpdir(), 'nas-folder-search-'));
  await writeFolderDataset(join(root, 'shapes'), { classes: 3, perClass: 24, size: 32 });
});
afterAll(async () => {
  await database?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const protocol = [
  '--train-size',
  '40',
  '--val-size',
  '12',
  '--test-size',
  '12',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--augmentation',
  'flip-shift',
  '--trials',
  '2',
];

describe('a search on a folder: dataset', () => {
  it('trains its trials on 32x32x3 images of 3 classes, decoding the folder once', async () => {
    const env = { NAS_HOME: join(root, 'home'), DATABASE_URL: database.url, NAS_DATASET_CACHE: join(root, 'cache') };
    const dataset = `folder:${join(root, 'shapes')}`;
    const run = await runNas(
      ['search', 'start', '--id', 'folder-search', '--dataset', dataset, ...protocol, '--threads', '2', '--wait'],
      env,
    );
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(0);
    expect(run.stderr).toContain('trainer: each training computes on 2 thread(s)');
    const [search] = await database.db.select().from(searches).where(eq(searches.id, 'folder-search'));
    const config = search.config as {
      input: unknown;
      classes: number;
      protocol: { dataset: string; datasetInfo: { trainSamples: number } };
    };
    expect(config.input).toEqual({ height: 32, width: 32, channels: 3 });
    expect(config.classes).toBe(3);
    expect(config.protocol.dataset).toBe(dataset);
    expect(config.protocol.datasetInfo.trainSamples).toBe(60);
    const rows = await database.db.select().from(trials).where(eq(trials.searchId, 'folder-search'));
    expect(
      rows.map((r) => [r.status, r.error]),
      output,
    ).toEqual([
      ['succeeded', null],
      ['succeeded', null],
    ]);
    expect(readdirSync(join(root, 'cache'))).toHaveLength(1);

    // Behind the cache's back: the cache gone, an image garbled at its size (the same version).
    rmSync(join(root, 'cache'), { recursive: true });
    const image = join(root, 'shapes', 'class-b', '3.png');
    writeFileSync(image, Buffer.alloc(statSync(image).size, 1));
    const broken = await runNas(
      ['search', 'start', '--id', 'folder-broken', '--dataset', dataset, ...protocol, '--seed', '2', '--wait'],
      env,
    );
    expect(broken.code, broken.stdout + broken.stderr).toBe(2);
    expect(broken.stderr.trim()).toMatch(new RegExp(`^nas: --dataset: ${image}: cannot be decoded as an image`));
    expect(await database.db.select().from(searches).where(eq(searches.id, 'folder-broken'))).toEqual([]);
  }, 600_000);
});
