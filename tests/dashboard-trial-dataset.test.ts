/** The trial page of a trial on a dataset of the user's: its network at the dataset's shape, the descriptor in words. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { upsertProtocol } from '../db/queries/architectures.ts';
import { trialPage } from '../dashboard/pages/trial.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { addTrial, createSearch, PROTOCOL_A, runTrial, seedCatalogue } from './support/db-fixtures.ts';

const FOLDER: TrainingProtocol = {
  ...PROTOCOL_A,
  dataset: 'folder:/data/shapes',
  datasetInfo: {
    input: { height: 32, width: 32, channels: 3 },
    classes: 3,
    classNames: ['circle', 'square', 'star'],
    trainSamples: 60,
    testSamples: 12,
    version: '0123456789abcdef',
  },
};

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openDatabase({ url: '', dataDir: 'memory://' });
  await seedCatalogue(database.db, 1);
  await upsertProtocol(database.db, 'proto-folder', FOLDER);
  await createSearch(database.db, 'on-folder');
  await runTrial(
    database.db,
    await addTrial(database.db, 'on-folder', { index: 0, arch: 0, protocol: 'proto-folder' }),
    { status: 'succeeded', valAccuracy: 0.5, testAccuracy: 0.5 },
  );
});
afterAll(async () => database?.close());

describe('trial page on a folder: dataset', () => {
  it('draws the network at 32x32x3 with 3 classes and names the dataset version', async () => {
    const page = (await trialPage(database.db, 'on-folder/0'))!;
    expect(page).toContain('multiply-adds per 32x32x3 image');
    expect(page).toContain('dataset folder:/data/shapes');
    expect(page).toContain(
      'dataset 32x32x3, 3 classes (circle, square, star), 60 train / 12 test images, version 0123456789abcdef',
    );
    expect(page).not.toContain('[object Object]');
  });
});
