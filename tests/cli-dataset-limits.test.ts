/**
 * Issue 26, datasets: every input decoded is the input named. Two folders that look alike (same
 * file names and sizes) never share decoded images; a gzipped IDX file is inflated no further than
 * its header declares; an image's pixel count and a dataset's decoded size are checked from headers
 * before decoding; a symbolic link is followed, or refused with a line when it leads nowhere. Each
 * refusal, through the real CLI, is exit 2 and one line naming the file.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearLoadedDatasets, describeDataset, loadDataset } from '../engine/data/datasets.ts';
import { encodeIdx } from '../engine/data/idx.ts';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol.ts';
import { badInputLine } from './support/run-cli.ts';
import { classImage, writeFolderDataset, writeIdxDataset } from './support/datasets.ts';

const root = join(tmpdir(), `nas-dataset-limits-${process.pid}`);
const cache = join(root, 'cache');

beforeAll(() => {
  process.env.NAS_DATASET_CACHE = cache;
  process.env.NAS_HOME = join(root, 'home');
});
beforeEach(() => clearLoadedDatasets());
afterAll(() => rmSync(root, { recursive: true, force: true }));

const refused = (dataset: string, ...more: string[]) =>
  badInputLine(['search', 'start', '--dataset', dataset, '--trials', '2', ...more]);

const protocolOf = (described: Awaited<ReturnType<typeof describeDataset>>): TrainingProtocol => ({
  ...DEFAULT_PROTOCOL,
  ...described,
  trainSize: 4,
  valSize: 2,
  testSize: 2,
});

/** A PNG of stored (uncompressed) deflate blocks: its size depends on its width and height only. */
async function writeStoredPng(path: string, rgb: Uint8Array, side: number): Promise<void> {
  await sharp(Buffer.from(rgb), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toFile(path);
}

/** A PNG declaring width x height whose image data is 100 zero bytes: any decoder would need far more. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('folders that look alike', () => {
  it('do not share decoded images: an undecodable image is refused after its look-alike was cached', async () => {
    const a = join(root, 'look-a');
    const b = join(root, 'look-b');
    await writeFolderDataset(a, { classes: 2, perClass: 5, size: 12 });
    cpSync(a, b, { recursive: true });
    await describeDataset(`folder:${a}`);
    const broken = join(b, 'class-a', '0.png');
    writeFileSync(broken, Buffer.alloc(statSync(broken).size, 7));
    expect(await refused(`folder:${b}`)).toMatch(
      new RegExp(`^nas: --dataset: ${broken}: cannot be decoded as an image`),
    );
  });

  it('give each folder its own pixels, even when names, sizes and version are equal', async () => {
    const a = join(root, 'pixels-a');
    const b = join(root, 'pixels-b');
    const earlier = readdirSync(cache).length;
    for (const [dir, seed] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const rng = seedrandom(seed);
      for (const [label, name] of ['red', 'green'].entries()) {
        mkdirSync(join(dir, name), { recursive: true });
        for (let n = 0; n < 5; n++)
          await writeStoredPng(join(dir, name, `${n}.png`), classImage(label, 8, 8, 3, rng), 8);
      }
    }
    const [describedA, describedB] = [await describeDataset(`folder:${a}`), await describeDataset(`folder:${b}`)];
    expect(describedB.datasetInfo!.version).toBe(describedA.datasetInfo!.version);
    const [loadedA, loadedB] = [await loadDataset(protocolOf(describedA)), await loadDataset(protocolOf(describedB))];
    expect(Buffer.from(loadedA.train.images).equals(Buffer.from(loadedB.train.images))).toBe(false);
    expect(readdirSync(cache)).toHaveLength(earlier + 2);
  });

  it('read the cache when the same files are loaded again', async () => {
    const dir = join(root, 'again');
    await writeFolderDataset(dir, { classes: 2, perClass: 5, size: 8 });
    const before = new Set(readdirSync(cache));
    const described = await describeDataset(`folder:${dir}`);
    const written = readdirSync(cache).filter((f) => !before.has(f));
    expect(written).toHaveLength(1);
    const modified = statSync(join(cache, written[0])).mtimeMs;
    clearLoadedDatasets();
    await loadDataset(protocolOf(described));
    expect(statSync(join(cache, written[0])).mtimeMs).toBe(modified);
    expect(readdirSync(cache).filter((f) => !before.has(f))).toEqual(written);
  });
});

describe('sizes checked from headers, before inflating or decoding', () => {
  it('a gzipped IDX file that inflates beyond its header is refused when the header is reached', async () => {
    const dir = join(root, 'bomb');
    writeIdxDataset(dir, { train: 10, test: 4, height: 6, width: 6, classes: 2 });
    const header = encodeIdx([10, 6, 6], new Uint8Array(360));
    // 64 MiB of zeros after a header of 360 bytes: a 64 KiB file.
    const bomb = join(dir, 'train-images-idx3-ubyte.gz');
    writeFileSync(bomb, gzipSync(Buffer.concat([header, Buffer.alloc(64 * 1024 ** 2)]), { level: 9 }));
    expect(statSync(bomb).size).toBeLessThan(100_000);
    expect(await refused(`idx:${dir}`)).toBe(
      `nas: --dataset: ${bomb}: decompresses to more than the 376 bytes its header declares (dims [10, 6, 6]); replace it with an intact copy`,
    );
  });

  it('an IDX header declaring more than 2 GiB is refused without inflating', async () => {
    const dir = join(root, 'huge-idx');
    writeIdxDataset(dir, { train: 10, test: 4, height: 6, width: 6, classes: 2 });
    const header = Buffer.from(encodeIdx([1], new Uint8Array(1)).subarray(0, 4));
    header[3] = 3;
    const dims = Buffer.alloc(12);
    [100_000, 300, 300].forEach((d, i) => dims.writeUInt32BE(d, 4 * i));
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    writeFileSync(file, gzipSync(Buffer.concat([header, dims, Buffer.alloc(1000)])));
    expect(await refused(`idx:${dir}`)).toBe(
      `nas: --dataset: ${file}: dims [100000, 300, 300] declare 9000000000 data bytes, more than the 2 GiB a dataset file may hold; replace it with an intact copy`,
    );
  });

  it('an image of 16000x16000 pixels is refused from its header, naming the file', async () => {
    const dir = join(root, 'huge-png');
    await writeFolderDataset(dir, { classes: 2, perClass: 3, size: 8 });
    const huge = join(dir, 'class-b', 'huge.png');
    writeFileSync(huge, pngHeaderOnly(16000, 16000));
    expect(await refused(`folder:${dir}`)).toBe(
      `nas: --dataset: ${huge}: 16000x16000 pixels, more than the 16777216 (4096x4096) an image may have; scale it down or remove it`,
    );
    expect(await refused(`folder:${dir}`, '--input-size', '8')).toMatch(/huge\.png: 16000x16000 pixels, more than/);
  });

  it('a dataset whose images would decode to more than 2 GiB is refused before decoding', async () => {
    const dir = join(root, 'big-input');
    await writeFolderDataset(dir, { classes: 2, perClass: 3, size: 8 });
    expect(await refused(`folder:${dir}`, '--input-size', '20000')).toBe(
      `nas: --dataset: ${dir}: 6 images of 20000x20000x3 decode to 6.71 GiB, more than the 2 GiB a dataset may hold; give a smaller --input-size, or fewer images`,
    );
  });
});

describe('symbolic links', () => {
  it('a class folder and an image that are links are followed; a link to nothing is refused with a line', async () => {
    const elsewhere = join(root, 'elsewhere');
    await writeFolderDataset(elsewhere, { classes: 3, perClass: 5, size: 8 });
    const dir = join(root, 'linked');
    mkdirSync(dir);
    cpSync(join(elsewhere, 'class-a'), join(dir, 'class-a'), { recursive: true });
    symlinkSync(join(elsewhere, 'class-b'), join(dir, 'class-b'));
    symlinkSync(join(elsewhere, 'class-c', '0.png'), join(dir, 'class-a', 'linked.png'));
    const { datasetInfo } = await describeDataset(`folder:${dir}`);
    expect(datasetInfo).toMatchObject({ classNames: ['class-a', 'class-b'], trainSamples: 9, testSamples: 2 });
    symlinkSync(join(root, 'gone'), join(dir, 'class-d'));
    expect(await refused(`folder:${dir}`)).toBe(
      `nas: --dataset: ${join(dir, 'class-d')}: a symbolic link to ${join(root, 'gone')}, which does not exist; fix the link or remove it`,
    );
  });
});
