import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdxFile } from '../engine/data/idx.ts';
import { DEFAULT_DATA_DIR, readFashionMnist } from '../engine/data/fashion-mnist.ts';
import { clearLoadedDatasets, loadDataset } from '../engine/data/datasets.ts';
import { DatasetFileError } from '../engine/data/image-set.ts';
import { splitDataset } from '../engine/data/split.ts';
import { checkDatasetFiles } from '../engine/data/check.ts';
import { checkTrainingData } from '../cli/data-check.ts';
import { DEFAULT_PROTOCOL } from '../contracts/protocol.ts';
import { RequestError } from '../contracts/request-error.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';

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

describe('Fashion-MNIST', () => {
  const fashion = { dataset: 'fashion-mnist' } as const;

  it('loads the four files and caches the dataset per directory', async () => {
    const dir = join(root, 'load');
    writeIdxFixture(dir, { train: 40, test: 12, seed: 1 });
    const first = await loadDataset(fashion, dir);
    expect(first.train.count).toBe(40);
    expect(first.test.count).toBe(12);
    expect(first.train.images.length).toBe(40 * 784);
    expect(await loadDataset(fashion, dir)).toBe(first);
    clearLoadedDatasets();
    expect(await loadDataset(fashion, dir)).not.toBe(first);
  });

  it('uses NAS_DATA_DIR when no directory is given', async () => {
    const dir = join(root, 'env');
    writeIdxFixture(dir, { train: 20, test: 5, gzip: false });
    const saved = process.env.NAS_DATA_DIR;
    process.env.NAS_DATA_DIR = dir;
    try {
      expect((await loadDataset(fashion)).train.count).toBe(20);
    } finally {
      if (saved === undefined) delete process.env.NAS_DATA_DIR;
      else process.env.NAS_DATA_DIR = saved;
    }
  });

  it('loads the installed Fashion-MNIST (60k/10k, 6000 per class) when the package is present', () => {
    const dir = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) return;
    const dataset = readFashionMnist(dir);
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
      readFashionMnist(dir);
    } catch (err) {
      error = err as Error;
    }
    expect(error).toBeInstanceOf(DatasetFileError);
    expect(error!.message).toContain('NAS_DATA_DIR');
    expect(error!.message).toContain(dir);
    expect(error!.message).toContain('t10k-labels-idx1-ubyte');
    expect(error!.message).not.toContain('train-images');
    expect(error!.message).toContain('apt-get install dataset-fashion-mnist');
  });

  it('holds the files to the registry: a label beyond its 10 classes names the labels file', () => {
    const dir = join(root, 'eleven');
    writeIdxFixture(dir, { train: 12, test: 4, gzip: false });
    const labels = join(dir, 'train-labels-idx1-ubyte');
    const bytes = readFileSync(labels);
    bytes[bytes.length - 1] = 10;
    writeFileSync(labels, bytes);
    expect(() => readFashionMnist(dir)).toThrow(`${labels}: label 10 at index 11 is not in 0..9`);
  });
});

describe('splitDataset', () => {
  const dir = join(root, 'split');
  writeIdxFixture(dir, { train: 500, test: 100, seed: 2 });
  const dataset = readFashionMnist(dir);
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
    expect(() => splitDataset(dataset, { ...protocol, valSize: 0 })).toThrow(
      /protocol\.valSize must be an integer >= 1/,
    );
  });
});

describe('checkDatasetFiles (before anything starts)', () => {
  const sizes = { dataset: 'fashion-mnist', trainSize: 300, valSize: 50, testSize: 50 } as const;
  const fixture = (name: string, options: { gzip?: boolean } = {}) =>
    writeIdxFixture(join(root, 'check', name), { train: 400, test: 100, seed: 4, ...options }).dir;
  const failure = (fn: () => unknown): RequestError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof RequestError) return err;
      throw err;
    }
    throw new Error('expected a RequestError');
  };
  const lines = (err: RequestError) => err.message.split('\n').length;

  it('accepts gzipped and plain IDX files, reading their counts from the headers', () => {
    for (const gzip of [true, false]) {
      const dir = fixture(gzip ? 'ok-gz' : 'ok-plain', { gzip });
      const result = checkDatasetFiles(sizes, { dir });
      expect(result).toMatchObject({ checked: true, dir, train: { count: 400 }, test: { count: 100 } });
      if (!result.checked) throw new Error('not checked');
      expect(result.train.images).toMatchObject({
        gzip,
        dims: [400, 28, 28],
        path: join(dir, `train-images-idx3-ubyte${gzip ? '.gz' : ''}`),
      });
      expect(result.test.labels.dims).toEqual([100]);
    }
  });

  it('reads the directory from NAS_DATA_DIR, and says so when it falls back to the default', () => {
    const dir = fixture('env');
    expect(checkDatasetFiles(sizes, { env: { NAS_DATA_DIR: dir } })).toMatchObject({ checked: true, dir });
    if (existsSync(DEFAULT_DATA_DIR)) return;
    expect(failure(() => checkDatasetFiles(sizes, { env: {} })).message).toBe(
      `NAS_DATA_DIR: ${DEFAULT_DATA_DIR}: no such directory (NAS_DATA_DIR is not set; this is its default); ` +
        'install it with apt-get install dataset-fashion-mnist, or set NAS_DATA_DIR to a directory holding the four Fashion-MNIST IDX files (gzipped or not)',
    );
  });

  it('refuses a missing directory in one line naming NAS_DATA_DIR, the path and the fix', () => {
    const dir = join(root, 'check', 'no-such-dir');
    const err = failure(() => checkDatasetFiles(sizes, { dir }));
    expect(err.field).toBe('NAS_DATA_DIR');
    expect(err.message).toMatch(
      new RegExp(
        `^NAS_DATA_DIR: ${dir}: no such directory; install it with apt-get install dataset-fashion-mnist, or set NAS_DATA_DIR to `,
      ),
    );
    expect(lines(err)).toBe(1);
  });

  it('skips a directory missing here when the trainers are remote, but checks one that exists', () => {
    const dir = join(root, 'check', 'remote-only');
    expect(checkDatasetFiles(sizes, { dir, remoteTrainers: true })).toMatchObject({ checked: false, dir });
    const broken = fixture('remote-broken');
    rmSync(join(broken, 'train-labels-idx1-ubyte.gz'));
    expect(failure(() => checkDatasetFiles(sizes, { dir: broken, remoteTrainers: true })).message).toMatch(
      /train-labels-idx1-ubyte/,
    );
  });

  it('refuses a path that is a file, not a directory', () => {
    const file = join(root, 'check', 'a-file');
    writeFileSync(file, 'x');
    expect(failure(() => checkDatasetFiles(sizes, { dir: file })).message).toMatch(
      new RegExp(`^NAS_DATA_DIR: ${file}: not a directory; `),
    );
  });

  it('names the missing files and only those', () => {
    const dir = fixture('missing-file');
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const err = failure(() => checkDatasetFiles(sizes, { dir }));
    expect(err.message).toMatch(
      new RegExp(`^NAS_DATA_DIR: ${dir}: missing t10k-labels-idx1-ubyte \\(each plain or \\.gz\\); install it`),
    );
    expect(err.message).not.toContain('train-images');
  });

  it('refuses a wrong magic number: a labels file where the images belong, or no IDX at all', () => {
    const dir = fixture('wrong-magic', { gzip: false });
    const images = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(images, readFileSync(join(dir, 'train-labels-idx1-ubyte')));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      new RegExp(
        `^NAS_DATA_DIR: ${images}: wrong IDX magic number 00 00 08 01, expected 00 00 08 03 \\(unsigned-byte images, 3 dimensions\\); replace it`,
      ),
    );
    writeFileSync(images, '<html>Not Found</html>');
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      /wrong IDX magic number 3c 68 74 6d, expected 00 00 08 03/,
    );
  });

  it('refuses a truncated header, plain or gzipped', () => {
    const dir = fixture('short-header', { gzip: false });
    const labels = join(dir, 't10k-labels-idx1-ubyte');
    writeFileSync(labels, Uint8Array.from([0, 0, 8, 1, 0, 0]));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      new RegExp(`^NAS_DATA_DIR: ${labels}: truncated header: 6 bytes, an IDX header of 1 dimension has 8; `),
    );
    writeFileSync(labels, Uint8Array.from([0, 0]));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      /truncated: 2 bytes, no room for the IDX magic number 00 00 08 01/,
    );
    const gz = fixture('short-header-gz');
    const images = join(gz, 'train-images-idx3-ubyte.gz');
    writeFileSync(images, gzipSync(Uint8Array.from([0, 0, 8, 3, 0, 0, 1, 144, 0, 0])));
    expect(failure(() => checkDatasetFiles(sizes, { dir: gz })).message).toMatch(
      /truncated header: 10 bytes once inflated, an IDX header of 3 dimensions has 16/,
    );
  });

  it('refuses a file cut short after its header: plain by its size, gzipped by its trailer', () => {
    const plain = fixture('cut-plain', { gzip: false });
    const images = join(plain, 'train-images-idx3-ubyte');
    writeFileSync(images, readFileSync(images).subarray(0, 5000));
    expect(failure(() => checkDatasetFiles(sizes, { dir: plain })).message).toMatch(
      /truncated: its header declares 400 images of 28x28 \(313616 bytes\), the file has 5000; replace it/,
    );
    const gz = fixture('cut-gz');
    const gzImages = join(gz, 'train-images-idx3-ubyte.gz');
    const whole = readFileSync(gzImages);
    writeFileSync(gzImages, whole.subarray(0, whole.length >> 1));
    expect(failure(() => checkDatasetFiles(sizes, { dir: gz })).message).toMatch(
      /truncated or corrupt: its header declares 400 images of 28x28/,
    );
    writeFileSync(gzImages, Buffer.concat([Uint8Array.from([0x1f, 0x8b]), Buffer.alloc(30, 7)]));
    expect(failure(() => checkDatasetFiles(sizes, { dir: gz })).message).toMatch(/corrupt gzip data/);
  });

  it('refuses image sizes, counts and label counts that are not the registry dataset', () => {
    const dir = fixture('shapes', { gzip: false });
    const images = join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(images, encodeIdx([10, 32, 32], new Uint8Array(10 * 32 * 32)));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      new RegExp(`^NAS_DATA_DIR: ${images}: images of 32x32 pixels, expected 28x28 \\(fashion-mnist\\)`),
    );
    writeFileSync(images, encodeIdx([99, 28, 28], new Uint8Array(99 * 784)));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      /t10k-labels-idx1-ubyte: 100 labels for the 99 images of /,
    );
    const header = encodeIdx([10001, 28, 28], new Uint8Array(10001 * 784));
    writeFileSync(images, header);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([10001], new Uint8Array(10001)));
    expect(failure(() => checkDatasetFiles(sizes, { dir })).message).toMatch(
      /10001 images, more than the 10000 of the fashion-mnist test set/,
    );
  });

  it('refuses sizes the files cannot hold, naming the size field and the file count', () => {
    const dir = fixture('small');
    const trainImages = join(dir, 'train-images-idx3-ubyte.gz');
    const train = failure(() => checkDatasetFiles({ ...sizes, trainSize: 500, valSize: 100 }, { dir }));
    expect(train.field).toBe('protocol.trainSize');
    expect(train.problem).toBe(
      `500 with \`protocol.valSize\` 100 needs 600 images, more than the 400 in ${trainImages}; at most 300 with this \`protocol.valSize\``,
    );
    expect(failure(() => checkDatasetFiles({ ...sizes, valSize: 400 }, { dir })).field).toBe('protocol.valSize');
    const test = failure(() => checkDatasetFiles({ ...sizes, testSize: 101 }, { dir }));
    expect(test.field).toBe('protocol.testSize');
    expect(test.problem).toMatch(/101 is more than the 100 images in .*t10k-images-idx3-ubyte\.gz; at most 100/);
    expect(checkDatasetFiles({ ...sizes, trainSize: 350, valSize: 50, testSize: 100 }, { dir }).checked).toBe(true);
  });

  it('the CLI names the flags: --train-size and the file count', () => {
    const dir = fixture('flags');
    const protocol = { ...DEFAULT_PROTOCOL, trainSize: 70000, valSize: 100 };
    const err = failure(() => checkTrainingData(protocol, { env: { NAS_DATA_DIR: dir } }));
    expect(err.message).toBe(
      `--train-size: 70000 with --val-size 100 needs 70100 images, more than the 400 in ${join(dir, 'train-images-idx3-ubyte.gz')}; at most 300 with this --val-size`,
    );
    expect(failure(() => checkTrainingData(protocol, { env: { NAS_DATA_DIR: dir }, asFlags: false })).field).toBe(
      'protocol.trainSize',
    );
  });

  it('the CLI skips a directory missing here only with TEMPORAL_ADDRESS set', () => {
    const dir = join(root, 'check', 'elsewhere');
    expect(
      checkTrainingData(DEFAULT_PROTOCOL, { env: { NAS_DATA_DIR: dir, TEMPORAL_ADDRESS: 'temporal:7233' } }).checked,
    ).toBe(false);
    expect(failure(() => checkTrainingData(DEFAULT_PROTOCOL, { env: { NAS_DATA_DIR: dir } })).field).toBe(
      'NAS_DATA_DIR',
    );
  });

  it('the installed Fashion-MNIST passes (60000 and 10000 images) when the package is present', () => {
    if (!existsSync(join(DEFAULT_DATA_DIR, 'train-images-idx3-ubyte.gz'))) return;
    expect(checkDatasetFiles(DEFAULT_PROTOCOL, { dir: DEFAULT_DATA_DIR })).toMatchObject({
      train: { count: 60000 },
      test: { count: 10000 },
    });
    const err = failure(() =>
      checkTrainingData({ ...DEFAULT_PROTOCOL, trainSize: 70000 }, { env: { NAS_DATA_DIR: DEFAULT_DATA_DIR } }),
    );
    expect(err.message).toMatch(
      /^--train-size: 70000 with --val-size 1000 needs 71000 images, more than the 60000 in /,
    );
  });
});
