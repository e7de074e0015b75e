import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdxFile } from '../workers/training/data/idx';
import {
  clearFashionMnistCache,
  DatasetMissingError,
  loadFashionMnist,
} from '../workers/training/data/fashion-mnist';
import { splitDataset } from '../workers/training/data/split';
import { writeIdxFixture } from './fixtures/idx';

const root = mkdtempSync(join(tmpdir(), 'nas-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('IDX reader', () => {
  it('reads plain and gzipped files to the same array', () => {
    const gz = writeIdxFixture(join(root, 'gz'), { train: 30, test: 10, seed: 3 });
    const plain = writeIdxFixture(join(root, 'plain'), { train: 30, test: 10, seed: 3, gzip: false });
    expect(gz.files[0].endsWith('.gz')).toBe(true);
    expect(plain.files[0].endsWith('.gz')).toBe(false);
    const a = readIdxFile(gz.files[0]);
    const b = readIdxFile(plain.files[0]);
    expect(a.dims).toEqual([30, 28, 28]);
    expect(b.dims).toEqual([30, 28, 28]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Array.from(readIdxFile(gz.files[1]).data)).toEqual(Array.from(gz.trainLabels));
  });

  it('detects gzip by content, not by file name', () => {
    const bytes = encodeIdx([3], Uint8Array.from([7, 8, 9]));
    const path = join(root, 'labels-without-suffix');
    writeFileSync(path, readFileSync(writeGz(bytes)));
    expect(Array.from(readIdxFile(path).data)).toEqual([7, 8, 9]);
  });

  it('rejects a bad magic number, a wrong dtype and truncated data with the file named', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), 'x.idx')).toThrow(
      /IDX file x\.idx: bad magic number 01 02 08 01/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f.idx')).toThrow(/unsupported dtype 0xd/);
    const short = encodeIdx([4], Uint8Array.from([1, 2, 3, 4])).subarray(0, 10);
    expect(() => parseIdx(short, 's.idx')).toThrow(/need 4 data bytes but the file has 2/);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2]), 'z.gz')).toThrow(/z\.gz: corrupt gzip/);
  });

  it('real Fashion-MNIST label file parses if installed', () => {
    const path = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz';
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch {
      return;
    }
    const labels = parseIdx(raw, path);
    expect(labels.dims).toEqual([10000]);
    expect(gunzipSync(raw).length).toBe(8 + 10000);
  });
});

function writeGz(bytes: Uint8Array): string {
  const path = join(root, 'tmp.gz');
  writeFileSync(path, gzipSync(bytes));
  return path;
}

describe('loadFashionMnist', () => {
  it('loads the four files and caches the dataset per directory', () => {
    const dir = join(root, 'load');
    writeIdxFixture(dir, { train: 40, test: 12, seed: 1 });
    const first = loadFashionMnist(dir);
    expect(first.train.count).toBe(40);
    expect(first.test.count).toBe(12);
    expect(first.train.images.length).toBe(40 * 784);
    expect(loadFashionMnist(dir)).toBe(first);
    clearFashionMnistCache();
    expect(loadFashionMnist(dir)).not.toBe(first);
  });

  it('uses NAS_DATA_DIR when no directory is given', () => {
    const dir = join(root, 'env');
    writeIdxFixture(dir, { train: 20, test: 5, gzip: false });
    const saved = process.env.NAS_DATA_DIR;
    process.env.NAS_DATA_DIR = dir;
    try {
      expect(loadFashionMnist().train.count).toBe(20);
    } finally {
      if (saved === undefined) delete process.env.NAS_DATA_DIR;
      else process.env.NAS_DATA_DIR = saved;
    }
  });

  it('loads the installed Fashion-MNIST (60k/10k, 6000 per class) when the package is present', () => {
    const dir = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) return;
    const dataset = loadFashionMnist(dir);
    expect(dataset.train.count).toBe(60000);
    expect(dataset.test.count).toBe(10000);
    const perClass = new Array(10).fill(0);
    for (const label of dataset.train.labels) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(6000));
  });

  it('names NAS_DATA_DIR, the directory, the missing files and the fix when data is missing', () => {
    const dir = join(root, 'empty');
    writeIdxFixture(dir, { train: 5, test: 5 });
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    let error: Error | undefined;
    try {
      loadFashionMnist(dir);
    } catch (err) {
      error = err as Error;
    }
    expect(error).toBeInstanceOf(DatasetMissingError);
    expect(error!.message).toContain('NAS_DATA_DIR');
    expect(error!.message).toContain(dir);
    expect(error!.message).toContain('t10k-labels-idx1-ubyte');
    expect(error!.message).not.toContain('train-images');
    expect(error!.message).toContain('apt-get install dataset-fashion-mnist');
  });
});

describe('splitDataset', () => {
  const dir = join(root, 'split');
  writeIdxFixture(dir, { train: 500, test: 100, seed: 2 });
  const dataset = loadFashionMnist(dir);
  const protocol = { trainSize: 300, valSize: 150, testSize: 40, seed: 7 };

  it('takes disjoint train and validation subsets of the requested sizes', () => {
    const data = splitDataset(dataset, protocol);
    expect(data.train.count).toBe(300);
    expect(data.val.count).toBe(150);
    expect(data.test.count).toBe(40);
    const train = new Set(data.trainIndices);
    expect(train.size).toBe(300);
    expect(new Set(data.valIndices).size).toBe(150);
    for (const i of data.valIndices) expect(train.has(i)).toBe(false);
    expect(data.train.x.length).toBe(300 * 784);
    expect(data.train.x).toBeInstanceOf(Float32Array);
    expect(data.train.y).toBeInstanceOf(Int32Array);
  });

  it('scales pixels to [0, 1] and keeps labels with their images', () => {
    const data = splitDataset(dataset, protocol);
    const max = data.train.x.reduce((a, b) => Math.max(a, b), -Infinity);
    const min = data.train.x.reduce((a, b) => Math.min(a, b), Infinity);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.7);
    expect(min).toBeGreaterThanOrEqual(0);
    const i = data.trainIndices[5];
    expect(data.train.y[5]).toBe(dataset.train.labels[i]);
    expect(data.train.x[5 * 784 + 100]).toBeCloseTo(dataset.train.images[i * 784 + 100] / 255, 6);
    expect(Array.from(data.test.y)).toEqual(Array.from(dataset.test.labels.subarray(0, 40)));
  });

  it('is determined by the seed', () => {
    const a = splitDataset(dataset, protocol);
    const b = splitDataset(dataset, protocol);
    const c = splitDataset(dataset, { ...protocol, seed: 8 });
    expect(Array.from(a.trainIndices)).toEqual(Array.from(b.trainIndices));
    expect(Array.from(a.valIndices)).toEqual(Array.from(b.valIndices));
    expect(Array.from(a.trainIndices)).not.toEqual(Array.from(c.trainIndices));
  });

  it('names the fields when the sizes do not fit', () => {
    expect(() => splitDataset(dataset, { ...protocol, trainSize: 400, valSize: 101 })).toThrow(
      /trainSize \+ protocol\.valSize = 400 \+ 101 = 501 exceeds the 500 samples/,
    );
    expect(() => splitDataset(dataset, { ...protocol, testSize: 101 })).toThrow(/protocol\.testSize = 101/);
    expect(() => splitDataset(dataset, { ...protocol, valSize: 0 })).toThrow(/protocol\.valSize must be an integer >= 1/);
  });
});
