/**
 * The Fashion-MNIST files checked before anything starts (`nas search start`, `nas baselines train`,
 * `nas scaling start` call this through cli/data-check.ts): the four Fashion-MNIST IDX files are
 * there, readable, carry the IDX magic numbers of unsigned-byte images and labels, and their
 * counts and image sizes are those of the dataset registry (contracts/datasets.ts DATASETS) and hold
 * the protocol's train/val/test sizes. Only headers are read: a gzipped file has its first
 * compressed bytes inflated and its gzip trailer (uncompressed size) read, a plain file is
 * stat-ed; no file is decoded whole. Plain or gzipped, found as the reader (idx-dataset.ts) finds them.
 *
 * Problems are RequestErrors: of field NAS_DATA_DIR (`<path>: <problem>; <fix>`) for the files,
 * of field protocol.trainSize / valSize / testSize for sizes that the files cannot hold.
 * File I/O: never call this from workflow code.
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { DATASETS, type DatasetName } from '../../contracts/datasets.ts';
import { DEFAULT_DATA_DIR } from './fashion-mnist.ts';
import { locateIdxFiles, type IdxFiles } from './idx-dataset.ts';
import { DatasetFileError } from './image-set.ts';
import { isGzip } from './idx.ts';

export const DATA_DIR_FIELD = 'NAS_DATA_DIR';

const UBYTE = 0x08;
// No backticks in these: the CLI reads backticked words as request fields (cli/request-fields.ts).
const FIX_INSTALL =
  'install it with apt-get install dataset-fashion-mnist, or set NAS_DATA_DIR to a directory holding the four Fashion-MNIST IDX files (gzipped or not)';
const FIX_REPLACE =
  'replace it with an intact copy (for the package: apt-get install --reinstall dataset-fashion-mnist), or set NAS_DATA_DIR to a directory holding the four Fashion-MNIST IDX files (gzipped or not)';
const FIX_PERMISSION = 'make it readable by this user, or set NAS_DATA_DIR to a directory this user can read';

export interface DataCheckOptions {
  /** The data directory; default NAS_DATA_DIR, else the Debian package's directory. */
  dir?: string;
  /**
   * Trainers run elsewhere (an external Temporal cluster) and may have the data where this
   * machine has none: a directory that does not exist here is not an error. One that exists is checked.
   */
  remoteTrainers?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface IdxFileHeader {
  path: string;
  gzip: boolean;
  /** Declared dimensions: [count, height, width] for images, [count] for labels. */
  dims: number[];
}

export interface ImageSetHeaders {
  count: number;
  images: IdxFileHeader;
  labels: IdxFileHeader;
}

export type DataCheck =
  | { checked: true; dir: string; train: ImageSetHeaders; test: ImageSetHeaders }
  | { checked: false; dir: string; reason: string };

type Sizes = Pick<TrainingProtocol, 'dataset' | 'trainSize' | 'valSize' | 'testSize'>;

/**
 * Checks the dataset directory against the protocol (its dataset and sizes) without loading it.
 * Returns what was found, or `checked: false` when the check is skipped (remote trainers, no
 * directory here); throws a RequestError naming NAS_DATA_DIR or the size field otherwise.
 */
export function checkDatasetFiles(protocol: Sizes, options: DataCheckOptions = {}): DataCheck {
  const env = options.env ?? process.env;
  const fromEnv = options.dir ?? env.NAS_DATA_DIR;
  const dir = resolve(fromEnv ?? DEFAULT_DATA_DIR);
  const registry = DATASETS[protocol.dataset as DatasetName];
  if (!registry)
    throw new RequestError('protocol.dataset', `no dataset ${JSON.stringify(protocol.dataset)} in the registry`);

  const dirStat = statOrError(dir);
  if (dirStat === 'missing') {
    if (options.remoteTrainers) {
      return {
        checked: false,
        dir,
        reason: `${dir} does not exist here; the trainers of the external cluster read their own`,
      };
    }
    const unset = fromEnv === undefined ? ' (NAS_DATA_DIR is not set; this is its default)' : '';
    throw dataError(dir, `no such directory${unset}`, FIX_INSTALL);
  }
  if (!dirStat.isDirectory()) throw dataError(dir, 'not a directory', FIX_INSTALL);

  const paths = locate(dir);
  const { height, width, channels } = registry.input;
  if (channels !== 1)
    throw new Error(`dataset ${protocol.dataset}: IDX images of ${channels} channels are not supported`);
  const imageSet = (which: 'train' | 'test', images: string, labels: string, most: number): ImageSetHeaders => {
    const what = which === 'train' ? 'training' : 'test';
    const imageHeader = readHeader(images, 3, [height, width]);
    const labelHeader = readHeader(labels, 1, []);
    const [count, h, w] = imageHeader.dims;
    if (h !== height || w !== width) {
      throw dataError(
        images,
        `images of ${h}x${w} pixels, expected ${height}x${width} (${protocol.dataset})`,
        FIX_REPLACE,
      );
    }
    if (count > most) {
      throw dataError(
        images,
        `${count} images, more than the ${most} of the ${protocol.dataset} ${what} set: not this dataset's file`,
        FIX_REPLACE,
      );
    }
    if (labelHeader.dims[0] !== count) {
      throw dataError(labels, `${labelHeader.dims[0]} labels for the ${count} images of ${images}`, FIX_REPLACE);
    }
    return { count, images: imageHeader, labels: labelHeader };
  };
  const train = imageSet('train', paths.trainImages, paths.trainLabels, registry.trainSamples);
  const test = imageSet('test', paths.testImages, paths.testLabels, registry.testSamples);

  const { trainSize, valSize, testSize } = protocol;
  if (valSize >= train.count) {
    throw new RequestError(
      'protocol.valSize',
      `${valSize} leaves no training samples: ${train.images.path} holds ${train.count} images, shared by \`protocol.trainSize\` and \`protocol.valSize\``,
    );
  }
  if (trainSize + valSize > train.count) {
    throw new RequestError(
      'protocol.trainSize',
      `${trainSize} with \`protocol.valSize\` ${valSize} needs ${trainSize + valSize} images, more than the ${train.count} in ${train.images.path}; ` +
        `at most ${train.count - valSize} with this \`protocol.valSize\``,
    );
  }
  if (testSize > test.count) {
    throw new RequestError(
      'protocol.testSize',
      `${testSize} is more than the ${test.count} images in ${test.images.path}; at most ${test.count}`,
    );
  }
  return { checked: true, dir, train, test };
}

function dataError(path: string, problem: string, fix: string): RequestError {
  return new RequestError(DATA_DIR_FIELD, `${path}: ${problem}; ${fix}`);
}

function statOrError(path: string): Stats | 'missing' {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw dataError(path, 'a parent of it is not a directory', FIX_INSTALL);
    if (code === 'EACCES' || code === 'EPERM')
      throw dataError(path, 'cannot be read (permission denied)', FIX_PERMISSION);
    throw dataError(path, `cannot be read (${(err as Error).message})`, FIX_INSTALL);
  }
}

/** The four files as the reader finds them (idx-dataset.ts), its refusals in this check's terms. */
function locate(dir: string): IdxFiles {
  try {
    return locateIdxFiles(dir, FIX_INSTALL);
  } catch (err) {
    if (err instanceof DatasetFileError) throw dataError(err.path, err.problem, err.fix || FIX_INSTALL);
    throw err;
  }
}

/** Reads an IDX file's header (inflating only its first bytes if gzipped) and checks its size against it. */
function readHeader(path: string, rank: number, trailing: number[]): IdxFileHeader {
  const stat = statOrError(path);
  if (stat === 'missing') throw dataError(path, 'vanished while being checked', FIX_INSTALL);
  if (!stat.isFile()) throw dataError(path, 'not a regular file', FIX_REPLACE);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw dataError(path, 'cannot be read (permission denied)', FIX_PERMISSION);
    throw dataError(path, `cannot be read (${(err as Error).message})`, FIX_REPLACE);
  }
  try {
    const headerSize = 4 + 4 * rank;
    const start = readAt(fd, 0, Math.min(stat.size, 4096));
    const gzip = isGzip(start);
    const bytes = gzip ? inflatePrefix(fd, stat.size, start, headerSize, path) : start;
    const expectedMagic = hex([0, 0, UBYTE, rank]);
    const kind = rank === 1 ? 'labels' : 'images';
    if (bytes.length < 4) {
      throw dataError(
        path,
        `truncated: ${bytes.length} bytes${gzip ? ' once inflated' : ''}, no room for the IDX magic number ${expectedMagic}`,
        FIX_REPLACE,
      );
    }
    const magic = hex(bytes.subarray(0, 4));
    if (magic !== expectedMagic) {
      throw dataError(
        path,
        `wrong IDX magic number ${magic}, expected ${expectedMagic} (unsigned-byte ${kind}, ${rank} dimension${rank === 1 ? '' : 's'})`,
        FIX_REPLACE,
      );
    }
    if (bytes.length < headerSize) {
      throw dataError(
        path,
        `truncated header: ${bytes.length} bytes${gzip ? ' once inflated' : ''}, an IDX header of ${rank} dimension${rank === 1 ? '' : 's'} has ${headerSize}`,
        FIX_REPLACE,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
    // The sizes of the images a header declares must be the dataset's before the byte count is worth comparing.
    if (trailing.length > 0 && dims.slice(1).join('x') !== trailing.join('x')) return { path, gzip, dims };
    const expected = headerSize + dims.reduce((a, b) => a * b, 1);
    const declared = `its header declares ${dims[0]} ${kind}${rank > 1 ? ` of ${dims.slice(1).join('x')}` : ''} (${expected} bytes)`;
    if (gzip) {
      // The gzip trailer's last 4 bytes: the uncompressed size modulo 2^32.
      const inflated = stat.size >= 18 ? Buffer.from(readAt(fd, stat.size - 4, 4)).readUInt32LE(0) : -1;
      if (inflated !== expected % 2 ** 32) {
        const got = inflated < 0 ? 'no gzip trailer' : `the gzip trailer says ${inflated} bytes`;
        throw dataError(path, `truncated or corrupt: ${declared}, ${got}`, FIX_REPLACE);
      }
    } else if (stat.size !== expected) {
      const problem = stat.size < expected ? 'truncated' : 'trailing bytes';
      throw dataError(path, `${problem}: ${declared}, the file has ${stat.size}`, FIX_REPLACE);
    }
    return { path, gzip, dims };
  } finally {
    closeSync(fd);
  }
}

/** The first `need` inflated bytes (fewer if the data ends), reading more of the file only while they are not there yet. */
function inflatePrefix(fd: number, size: number, start: Uint8Array, need: number, path: string): Uint8Array {
  let compressed = start;
  for (;;) {
    let out: Uint8Array;
    try {
      out = gunzipSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw dataError(path, `corrupt gzip data (${(err as Error).message})`, FIX_REPLACE);
    }
    if (out.length >= need || compressed.length >= size || compressed.length >= 1 << 20) return out;
    compressed = readAt(fd, 0, Math.min(size, compressed.length * 4));
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
