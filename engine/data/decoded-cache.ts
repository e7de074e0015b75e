/**
 * The disk cache of decoded folder datasets: one file per dataset version and input size under
 * `$NAS_DATASET_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/nas-orchestrator/datasets`, so that a
 * trainer process decodes a folder of images once, not per trial. A file is written to a temporary
 * name and renamed into place: readers never see half a file, and trainers decoding the same
 * dataset at once each rename a whole file over the other's.
 *
 * Layout: "NASDATA1", a uint32 (LE) header length, the JSON header {input, train, test} (counts),
 * then train images, train labels, test images, test labels (NHWC uint8).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageShape } from '../../contracts/datasets.ts';
import type { ImageSet, LoadedDataset } from './image-set.ts';

const MAGIC = Buffer.from('NASDATA1');
let writes = 0;

export function datasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NAS_DATASET_CACHE) return env.NAS_DATASET_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nas-orchestrator', 'datasets');
}

export function cachedDatasetPath(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(datasetCacheDir(env), `${key}.bin`);
}

/** The cached dataset, or null when there is none (or it is unreadable: it is decoded again). */
export function readCachedDataset(path: string, dir: string): LoadedDataset | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  let offset = MAGIC.length + 4 + headerLength;
  let header: { input: ImageShape; train: number; test: number };
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, offset).toString('utf8'));
  } catch {
    return null;
  }
  const pixels = header.input.height * header.input.width * header.input.channels;
  if (bytes.length !== offset + (header.train + header.test) * (pixels + 1)) return null;
  const take = (length: number) => new Uint8Array(bytes.buffer, bytes.byteOffset + (offset += length) - length, length);
  const set = (count: number): ImageSet => ({ count, images: take(count * pixels), labels: take(count) });
  const train = set(header.train);
  return { dir, input: header.input, train, test: set(header.test) };
}

export function writeCachedDataset(path: string, dataset: LoadedDataset): void {
  const header = Buffer.from(
    JSON.stringify({ input: dataset.input, train: dataset.train.count, test: dataset.test.count }),
    'utf8',
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const parts = [
    MAGIC,
    length,
    header,
    dataset.train.images,
    dataset.train.labels,
    dataset.test.images,
    dataset.test.labels,
  ];
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.${writes++}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat(parts));
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}
