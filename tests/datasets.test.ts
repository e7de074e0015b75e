/**
 * The dataset kinds on small generated datasets: idx:DIR, folder:DIR, cifar10:DIR described
 * (shape, classes, sizes, version) and loaded as the trainer loads them, the folder's decoded
 * images cached on disk, and their problems named with the path.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clearLoadedDatasets, describeDataset, loadDataset } from '../engine/data/datasets.ts';
import { splitDataset } from '../engine/data/split.ts';
import { loadFolderDataset } from '../engine/data/folder.ts';
import { datasetShape } from '../contracts/datasets.ts';
import { protocolHash, DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';
import {
  classImage,
  writeCifar10Dataset,
  writeFolderDataset,
  writeIdxDataset,
  writeImage,
} from './support/datasets.ts';

const root = join(tmpdir(), `nas-datasets-${process.pid}`);
const cache = join(root, 'cache');
process.env.NAS_DATASET_CACHE = cache;
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => clearLoadedDatasets());

const protocolOf = (
  described: Awaited<ReturnType<typeof describeDataset>>,
  sizes: Partial<TrainingProtocol>,
): TrainingProtocol => ({
  ...DEFAULT_PROTOCOL,
  ...described,
  trainSize: 8,
  valSize: 2,
  testSize: 4,
  ...sizes,
});

describe('folder:DIR', () => {
  it('describes class folders: RGB at the images size, a fifth of each class held out, names sorted', async () => {
    const dir = join(root, 'folder');
    await writeFolderDataset(dir, { classes: 3, perClass: 10, size: 16 });
    const described = await describeDataset(`folder:${dir}`);
    expect(described.dataset).toBe(`folder:${dir}`);
    expect(described.datasetInfo).toMatchObject({
      input: { height: 16, width: 16, channels: 3 },
      classes: 3,
      classNames: ['class-a', 'class-b', 'class-c'],
      trainSamples: 24,
      testSamples: 6,
    });
    const protocol = protocolOf(described, {});
    expect(() => checkProtocol(protocol)).not.toThrow();
    expect(datasetShape(protocol).input).toEqual({ height: 16, width: 16, channels: 3 });
    const data = splitDataset(await loadDataset(protocol), protocol);
    expect(data.imageShape).toEqual([16, 16, 3]);
    expect(data.train.x.length).toBe(8 * 16 * 16 * 3);
    expect(new Set(data.test.y).size).toBeGreaterThan(1);
    // The pixels are the written image's (PNG is lossless): class 0's square is red.
    const loaded = await loadDataset(protocol);
    const first = loaded.train.images.subarray(0, 16 * 16 * 3);
    expect(loaded.train.labels[0]).toBe(0);
    expect([first[0], first[1], first[2]]).toEqual([250, 160, 200]);
  });

  it('resizes to --input-size, takes the train/ and test/ layout, and reads JPEG', async () => {
    const dir = join(root, 'split');
    await writeFolderDataset(dir, { classes: 2, perClass: 6, testPerClass: 3, size: 20, format: 'jpeg' });
    // A greyscale image among RGB ones is read as RGB (its grey repeated).
    const grey = Uint8Array.from({ length: 20 * 20 }, (_, i) => i % 256);
    await sharp(Buffer.from(grey), { raw: { width: 20, height: 20, channels: 1 } })
      .png()
      .toFile(join(dir, 'test', 'class-b', 'grey.png'));
    const { datasetInfo } = await describeDataset(`folder:${dir}`, 8);
    expect(datasetInfo).toMatchObject({
      input: { height: 8, width: 8, channels: 3 },
      classes: 2,
      trainSamples: 12,
      testSamples: 7,
      inputSize: 8,
    });
    const loaded = await loadDataset({ dataset: `folder:${dir}`, datasetInfo });
    const isGrey = (i: number) => {
      const image = loaded.test.images.subarray(i * 8 * 8 * 3, (i + 1) * 8 * 8 * 3);
      return image.every((v, p) => v === image[p - (p % 3)]);
    };
    expect(Array.from({ length: 7 }, (_, i) => isGrey(i)).filter(Boolean)).toHaveLength(1);
  });

  it("decodes once: a second trainer process reads the cache file (written whole by rename), keyed by the images' bytes", async () => {
    const dir = join(root, 'cached');
    await writeFolderDataset(dir, { classes: 2, perClass: 5, size: 12 });
    const earlier = new Set(existsSync(cache) ? readdirSync(cache) : []);
    const described = await describeDataset(`folder:${dir}`);
    const before = new Set(readdirSync(cache));
    expect([...before].some((f) => f.endsWith('.tmp'))).toBe(false);
    const [file] = [...before].filter((f) => !earlier.has(f));
    // The cache file's pixels marked: a load that reads the cache returns them, one that decoded would not.
    const bytes = readFileSync(join(cache, file));
    const pixelsAt = bytes.readUInt32LE(8) + 12;
    bytes[pixelsAt] = 255;
    writeFileSync(join(cache, file), bytes);
    clearLoadedDatasets();
    const loaded = await loadDataset(protocolOf(described, {}));
    expect(loaded.train.count + loaded.test.count).toBe(10);
    expect(loaded.train.images[0]).toBe(255);
    expect(new Set(readdirSync(cache))).toEqual(before);
    // An image turned into same-size garbage keeps the version, but not the cache key: it is decoded and its path named.
    const image = join(dir, 'class-a', '0.png');
    writeFileSync(image, Buffer.alloc(statSync(image).size, 7));
    clearLoadedDatasets();
    await expect(loadDataset(protocolOf(described, {}))).rejects.toThrow(`${image}: cannot be decoded as an image`);
  });

  it('two trainers decoding at once leave one whole cache file', async () => {
    const dir = join(root, 'concurrent');
    const own = join(root, 'concurrent-cache');
    process.env.NAS_DATASET_CACHE = own;
    try {
      await writeFolderDataset(dir, { classes: 2, perClass: 6, size: 10 });
      const { datasetInfo } = await describeDataset(`folder:${dir}`);
      rmSync(own, { recursive: true });
      const [a, b] = await Promise.all([loadFolderDataset(dir, datasetInfo!), loadFolderDataset(dir, datasetInfo!)]);
      expect(Buffer.from(a.train.images).equals(Buffer.from(b.train.images))).toBe(true);
      expect(readdirSync(own)).toHaveLength(1);
      expect(readdirSync(own)[0]).toMatch(/^[0-9a-f]{16}\.bin$/);
    } finally {
      process.env.NAS_DATASET_CACHE = cache;
    }
  });

  it('refuses a changed folder (another version), one class, mixed sizes without --input-size, a bad image', async () => {
    const dir = join(root, 'changing');
    await writeFolderDataset(dir, { classes: 2, perClass: 5, size: 12 });
    const described = await describeDataset(`folder:${dir}`);
    const rng = seedrandom('extra');
    await writeImage(join(dir, 'class-b', 'extra.png'), classImage(1, 12, 12, 3, rng), 12, 12);
    const changed = await describeDataset(`folder:${dir}`);
    expect(changed.datasetInfo!.version).not.toBe(described.datasetInfo!.version);
    expect(protocolHash(protocolOf(changed, {}))).not.toBe(protocolHash(protocolOf(described, {})));
    await expect(loadDataset(protocolOf(described, {}))).rejects.toThrow(
      /its files changed since the protocol described them/,
    );

    await writeImage(join(dir, 'class-b', 'wide.png'), classImage(1, 12, 20, 3, rng), 20, 12);
    await expect(describeDataset(`folder:${dir}`)).rejects.toThrow(
      /wide\.png: 20x12 pixels, but .* is 12x12; images of mixed sizes need --input-size N/,
    );
    expect((await describeDataset(`folder:${dir}`, 12)).datasetInfo!.trainSamples).toBeGreaterThan(0);

    writeFileSync(join(dir, 'class-a', 'broken.png'), Buffer.from('not a png'));
    await expect(describeDataset(`folder:${dir}`, 12)).rejects.toThrow(
      `${join(dir, 'class-a', 'broken.png')}: cannot be decoded as an image`,
    );

    const one = join(root, 'one-class');
    await writeFolderDataset(one, { classes: 1, perClass: 3, size: 8 });
    await expect(describeDataset(`folder:${one}`)).rejects.toThrow(`${one}: one class sub-folder (class-a)`);
    await writeFolderDataset(join(root, 'half-split'), { classes: 2, perClass: 2, testPerClass: 1, size: 8 });
    rmSync(join(root, 'half-split', 'test'), { recursive: true });
    await expect(describeDataset(`folder:${join(root, 'half-split')}`)).rejects.toThrow(
      `${join(root, 'half-split')}: has train/ but no test/`,
    );
    mkdirSync(join(root, 'empty'));
    await expect(describeDataset(`folder:${join(root, 'empty')}`)).rejects.toThrow(
      `${join(root, 'empty')}: empty directory`,
    );
  });
});

describe('idx:DIR', () => {
  it('reads images of any size, 3 or 4 dimensions, gzipped or not; classes are 0..max label', async () => {
    const dir = join(root, 'idx');
    writeIdxDataset(dir, { train: 30, test: 10, height: 12, width: 9, classes: 4 });
    const described = await describeDataset(`idx:${dir}`);
    expect(described.datasetInfo).toMatchObject({
      input: { height: 12, width: 9, channels: 1 },
      classes: 4,
      trainSamples: 30,
      testSamples: 10,
    });
    const data = splitDataset(await loadDataset(protocolOf(described, {})), protocolOf(described, {}));
    expect(data.imageShape).toEqual([12, 9, 1]);

    const rgb = join(root, 'idx-rgb');
    writeIdxDataset(rgb, { train: 20, test: 5, height: 8, width: 8, channels: 3, classes: 3 });
    for (const name of readdirSync(rgb)) {
      writeFileSync(join(rgb, `${name}.gz`), gzipSync(readFileSync(join(rgb, name))));
      rmSync(join(rgb, name));
    }
    expect((await describeDataset(`idx:${rgb}`)).datasetInfo).toMatchObject({
      input: { height: 8, width: 8, channels: 3 },
      classes: 3,
    });
  });

  it('names a truncated file', async () => {
    const dir = join(root, 'idx-truncated');
    writeIdxDataset(dir, { train: 10, test: 4, height: 6, width: 6, classes: 2 });
    const images = join(dir, 'train-images-idx3-ubyte');
    truncateSync(images, 100);
    await expect(describeDataset(`idx:${dir}`)).rejects.toThrow(
      `${images}: dims [10, 6, 6] need 360 data bytes but the file has 84`,
    );
  });
});

describe('cifar10:DIR', () => {
  it('reads the binary batches to NHWC with the class names of batches.meta.txt', async () => {
    const dir = join(root, 'cifar');
    const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    writeCifar10Dataset(dir, 12, names);
    const described = await describeDataset(`cifar10:${dir}`);
    expect(described.datasetInfo).toMatchObject({
      input: { height: 32, width: 32, channels: 3 },
      classes: 10,
      classNames: names,
      trainSamples: 60,
      testSamples: 12,
    });
    const loaded = await loadDataset(protocolOf(described, {}));
    const rng = seedrandom('cifar');
    // The first record written is classImage(0) in NHWC: the loader undid the channel-major layout.
    expect(
      Buffer.from(loaded.train.images.subarray(0, 32 * 32 * 3)).equals(Buffer.from(classImage(0, 32, 32, 3, rng))),
    ).toBe(true);
    expect(Array.from(loaded.test.labels.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('names a truncated batch and a corrupt label', async () => {
    const dir = join(root, 'cifar-bad');
    writeCifar10Dataset(dir, 4);
    truncateSync(join(dir, 'data_batch_3.bin'), 3073 * 2 + 5);
    await expect(describeDataset(`cifar10:${dir}`)).rejects.toThrow(
      `${join(dir, 'data_batch_3.bin')}: truncated or corrupt: 6151 bytes is not a whole number of 3073-byte records`,
    );
    writeCifar10Dataset(dir, 4);
    const bytes = readFileSync(join(dir, 'test_batch.bin'));
    bytes[3073] = 42;
    writeFileSync(join(dir, 'test_batch.bin'), bytes);
    await expect(describeDataset(`cifar10:${dir}`)).rejects.toThrow(
      `${join(dir, 'test_batch.bin')}: corrupt: record 1 has label 42, not 0..9`,
    );
    expect(existsSync(dir)).toBe(true);
  });
});

describe('protocols', () => {
  it('Fashion-MNIST protocols carry no descriptor and keep their hash', async () => {
    expect(await describeDataset('fashion-mnist')).toEqual({ dataset: 'fashion-mnist' });
    expect(JSON.stringify(DEFAULT_PROTOCOL)).not.toContain('datasetInfo');
    // The hashes of the protocols recorded before datasets of the user's existed (and before engine
    // versions: the default protocol now names engine 2, tests/protocol-engine-version.test.ts).
    const { engineVersion: _engine, ...recordedBefore } = DEFAULT_PROTOCOL;
    expect(protocolHash(recordedBefore)).toBe('729d4c7db0fd8c01');
    expect(protocolHash({ ...recordedBefore, bnRecalibrationBatches: 0 })).toBe('9e848e46f8c7709d');
  });

  it('refuses a descriptor-less dataset of the user and a relative directory', () => {
    expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, dataset: 'folder:/data/x' })).toThrow(
      /^protocol\.datasetInfo: must describe folder:\/data\/x/,
    );
    expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, dataset: 'folder:data/x' })).toThrow(
      /^protocol\.dataset: must name an absolute directory/,
    );
    expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, dataset: 'mnist' as never })).toThrow(
      /^protocol\.dataset: must be fashion-mnist, idx:DIR/,
    );
  });
});
