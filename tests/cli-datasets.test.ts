/**
 * `--dataset idx:DIR | folder:DIR | cifar10:DIR` on the command line: the dataset is described
 * into the request (absolute path, shape, classes, sizes), and a bad dataset is refused before
 * anything starts: exit 2, one line naming the path and the problem, no NAS_HOME made.
 */
import { existsSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { describeDatasetFlags } from '../cli/dataset-flag.ts';
import { searchRequestFromFlags } from '../cli/search-request.ts';
import { scalingRequestFromFlags } from '../cli/scaling-request.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { badInputLine } from './support/run-cli.ts';
import {
  classImage,
  writeCifar10Dataset,
  writeFolderDataset,
  writeIdxDataset,
  writeImage,
} from './support/datasets.ts';

const root = join(tmpdir(), `nas-cli-datasets-${process.pid}`);
const home = join(root, 'home');
const folder = join(root, 'flowers');

beforeAll(async () => {
  process.env.NAS_DATASET_CACHE = join(root, 'cache');
  process.env.NAS_HOME = home;
  await writeFolderDataset(folder, { classes: 3, perClass: 10, size: 32 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function request(...argv: string[]) {
  const { flags } = parseCommandLine(['search', 'start', ...argv]).input;
  await describeDatasetFlags(flags);
  return searchRequestFromFlags(flags);
}

describe('--dataset of the user', () => {
  it('puts the absolute path and the descriptor in the protocol, and shape and classes in the request', async () => {
    const sizes = ['--train-size', '20', '--val-size', '4', '--test-size', '6'];
    const r = await request('--dataset', `folder:${relative(process.cwd(), folder)}`, ...sizes, '--finalize-top', '2');
    expect(r.protocol.dataset).toBe(`folder:${folder}`);
    expect(r.input).toEqual({ height: 32, width: 32, channels: 3 });
    expect(r.classes).toBe(3);
    expect(r.protocol.datasetInfo).toMatchObject({
      classNames: ['class-a', 'class-b', 'class-c'],
      trainSamples: 24,
      testSamples: 6,
    });
    // The final protocol: the whole training set less a fifth for validation, the whole test set.
    expect(r.finalize!.protocol).toMatchObject({ dataset: `folder:${folder}`, trainSize: 20, valSize: 4, testSize: 6 });
    const resized = await request('--dataset', `folder:${folder}`, '--input-size', '16', ...sizes);
    expect(resized.input).toEqual({ height: 16, width: 16, channels: 3 });
    expect(protocolHash(resized.protocol)).not.toBe(protocolHash(r.protocol));
  });

  it("gives a scaling study the dataset's input and classes", async () => {
    const { flags } = parseCommandLine([
      'scaling',
      'start',
      '--base',
      'efficientnet-b0-small',
      '--dataset',
      `folder:${folder}`,
      '--train-size',
      '20',
      '--val-size',
      '4',
      '--test-size',
      '6',
    ]).input;
    await describeDatasetFlags(flags);
    const study = scalingRequestFromFlags(flags);
    expect(study.input).toEqual({ height: 32, width: 32, channels: 3 });
    expect(study.classes).toBe(3);
    expect(study.protocol.datasetInfo?.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("refuses a final protocol on data of another shape than the search's", async () => {
    const sizes = ['--train-size', '20', '--val-size', '4', '--test-size', '6'];
    const line = await badInputLine([
      'search',
      'start',
      '--dataset',
      `folder:${folder}`,
      ...sizes,
      '--finalize-top',
      '2',
      '--finalize-dataset',
      `folder:${folder}`,
      '--finalize-input-size',
      '16',
    ]);
    expect(line).toBe(
      `nas: --finalize-dataset: folder:${folder} has 16x16x3 images of 3 classes, the search 32x32x3 images of 3 classes; give the final protocol data of the search's shape`,
    );
  });

  it('leaves a Fashion-MNIST protocol without descriptor', async () => {
    const r = await request('--dataset', 'fashion-mnist');
    expect(r.protocol.dataset).toBe('fashion-mnist');
    expect('datasetInfo' in r.protocol).toBe(false);
    expect(r.input).toEqual({ height: 28, width: 28, channels: 1 });
  });

  it('refuses sizes the dataset cannot hold, naming the flag', async () => {
    expect(
      await badInputLine(['search', 'start', '--dataset', `folder:${folder}`, '--train-size', '22', '--val-size', '4']),
    ).toMatch(/^nas: --train-size: .*must be at most 24 \(the training set\), got 26$/);
    expect(existsSync(home)).toBe(false);
  });
});

describe('bad datasets: exit 2, one line naming the path, nothing started', () => {
  const refused = (dataset: string, ...more: string[]) =>
    badInputLine(['search', 'start', '--dataset', dataset, '--trials', '2', ...more]);

  it('a missing or empty directory, a folder of one class', async () => {
    expect(await refused(`folder:${join(root, 'nowhere')}`)).toBe(
      `nas: --dataset: ${join(root, 'nowhere')}: no such directory; give the directory that holds the dataset`,
    );
    mkdirSync(join(root, 'empty'));
    expect(await refused(`idx:${join(root, 'empty')}`)).toBe(
      `nas: --dataset: ${join(root, 'empty')}: empty directory; give the directory that holds the dataset`,
    );
    await writeFolderDataset(join(root, 'one'), { classes: 1, perClass: 2, size: 8 });
    expect(await refused(`folder:${join(root, 'one')}`)).toMatch(
      /^nas: --dataset: .*\/one: one class sub-folder \(class-a\): a folder dataset needs one sub-folder per class/,
    );
    expect(existsSync(home)).toBe(false);
  });

  it('mixed image sizes without --input-size, an image that does not decode', async () => {
    const mixed = join(root, 'mixed');
    await writeFolderDataset(mixed, { classes: 2, perClass: 3, size: 10 });
    await writeImage(join(mixed, 'class-b', 'big.png'), classImage(1, 12, 12, 3, seedrandom('big')), 12, 12);
    expect(await refused(`folder:${mixed}`)).toMatch(
      /^nas: --dataset: .*\/mixed\/class-b\/big\.png: 12x12 pixels, but .* is 10x10; images of mixed sizes need --input-size N/,
    );
    writeFileSync(join(mixed, 'class-a', 'bad.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    expect(await refused(`folder:${mixed}`, '--input-size', '8')).toMatch(
      new RegExp(`^nas: --dataset: ${join(mixed, 'class-a', 'bad.jpg')}: cannot be decoded as an image`),
    );
    expect(existsSync(home)).toBe(false);
  });

  it('truncated IDX and CIFAR-10 files, --input-size where it does not apply', async () => {
    const idx = join(root, 'idx');
    writeIdxDataset(idx, { train: 10, test: 4, height: 6, width: 6, classes: 2 });
    expect(await refused(`idx:${idx}`, '--input-size', '8')).toBe(
      `nas: --input-size: applies to folder: datasets only, not idx:${idx}`,
    );
    truncateSync(join(idx, 't10k-labels-idx1-ubyte'), 10);
    expect(await refused(`idx:${idx}`)).toBe(
      `nas: --dataset: ${join(idx, 't10k-labels-idx1-ubyte')}: dims [4] need 4 data bytes but the file has 2; replace it with an intact copy`,
    );
    const cifar = join(root, 'cifar');
    writeCifar10Dataset(cifar, 3);
    truncateSync(join(cifar, 'test_batch.bin'), 3073 * 3 - 1);
    expect(await refused(`cifar10:${cifar}`)).toMatch(
      new RegExp(`^nas: --dataset: ${join(cifar, 'test_batch.bin')}: truncated or corrupt: 9218 bytes`),
    );
    expect(existsSync(home)).toBe(false);
  });
});
