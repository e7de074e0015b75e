/**
 * IDX file reader (the format of MNIST and Fashion-MNIST): a 4-byte magic
 * number (0, 0, dtype, dims), one big-endian uint32 per dimension, then the
 * data. Only unsigned bytes (dtype 0x08) occur in these datasets.
 * Gzipped files are recognised by their magic bytes (1f 8b), not their name, and inflated only up
 * to the size their header declares (limits.ts).
 */
import { constants, gunzipSync } from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import { formatBytes, MAX_DATASET_BYTES } from './limits.ts';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

export class IdxFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`IDX file ${source}: ${problem}`);
    this.name = 'IdxFormatError';
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses IDX bytes (plain or gzipped); `source` names the file in errors. */
export function parseIdx(raw: Uint8Array, source = '<bytes>'): IdxArray {
  const bytes = isGzip(raw) ? inflate(raw, source) : raw;
  const { dims, headerSize, size } = readHeader(bytes, source);
  const available = bytes.length - headerSize;
  if (available !== size) {
    throw new IdxFormatError(source, `dims [${dims.join(', ')}] need ${size} data bytes but the file has ${available}`);
  }
  return { dims, data: bytes.subarray(headerSize, headerSize + size) };
}

function readHeader(bytes: Uint8Array, source: string): { dims: number[]; headerSize: number; size: number } {
  if (bytes.length < 4) throw new IdxFormatError(source, `too short (${bytes.length} bytes) for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new IdxFormatError(source, `bad magic number ${magic}; expected 00 00 <dtype> <dims>`);
  }
  const dtype = bytes[2];
  if (dtype !== UBYTE) {
    throw new IdxFormatError(
      source,
      `unsupported dtype 0x${dtype.toString(16)}; only unsigned byte (0x08) is supported`,
    );
  }
  const rank = bytes[3];
  if (rank < 1) throw new IdxFormatError(source, 'zero dimensions');
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new IdxFormatError(source, `truncated header (${rank} dims declared)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (size > MAX_DATASET_BYTES) {
    throw new IdxFormatError(
      source,
      `dims [${dims.join(', ')}] declare ${size} data bytes, more than the ${formatBytes(MAX_DATASET_BYTES)} a dataset file may hold`,
    );
  }
  return { dims, headerSize, size };
}

/** Compressed bytes inflated to find the header: deflate expands at most ~1032x, so at most ~4 MiB. */
const HEADER_PROBE = 4096;

/** The gzipped file inflated, never beyond the size its header declares. */
function inflate(raw: Uint8Array, source: string): Uint8Array {
  const corrupt = (err: unknown) => new IdxFormatError(source, `corrupt gzip data (${(err as Error).message})`);
  let head: Buffer;
  try {
    head = gunzipSync(raw.subarray(0, HEADER_PROBE), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw corrupt(err);
  }
  if (raw.length > HEADER_PROBE && (head.length < 4 || head.length < 4 + 4 * head[3])) {
    throw new IdxFormatError(source, `no IDX header in the first ${HEADER_PROBE} compressed bytes`);
  }
  const { dims, headerSize, size } = readHeader(head, source);
  try {
    return gunzipSync(raw, { maxOutputLength: headerSize + size });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IdxFormatError(
        source,
        `decompresses to more than the ${headerSize + size} bytes its header declares (dims [${dims.join(', ')}])`,
      );
    }
    throw corrupt(err);
  }
}

export function readIdxFile(path: string): IdxArray {
  const bytes = statSync(path).size;
  if (bytes > MAX_DATASET_BYTES)
    throw new IdxFormatError(
      path,
      `${bytes} bytes, more than the ${formatBytes(MAX_DATASET_BYTES)} a dataset file may hold`,
    );
  return parseIdx(readFileSync(path), path);
}

/** Encodes unsigned bytes as an IDX file (used by test fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length)
    throw new Error(`encodeIdx: dims [${dims.join(', ')}] need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
