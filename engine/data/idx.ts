/**
 * IDX file reader (the format of MNIST and Fashion-MNIST): a 4-byte magic
 * number (0, 0, dtype, dims), one big-endian uint32 per dimension, then the
 * data. Only unsigned bytes (dtype 0x08) occur in these datasets.
 * Gzipped files are recognised by their magic bytes (1f 8b), not their name.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

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
  let bytes = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (err) {
      throw new IdxFormatError(source, `corrupt gzip data (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new IdxFormatError(source, `too short (${bytes.length} bytes) for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new IdxFormatError(source, `bad magic number ${magic}; expected 00 00 <dtype> <dims>`);
  }
  const dtype = bytes[2];
  if (dtype !== UBYTE) {
    throw new IdxFormatError(source, `unsupported dtype 0x${dtype.toString(16)}; only unsigned byte (0x08) is supported`);
  }
  const rank = bytes[3];
  if (rank < 1) throw new IdxFormatError(source, 'zero dimensions');
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new IdxFormatError(source, `truncated header (${rank} dims declared)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerSize;
  if (available !== size) {
    throw new IdxFormatError(source, `dims [${dims.join(', ')}] need ${size} data bytes but the file has ${available}`);
  }
  return { dims, data: bytes.subarray(headerSize, headerSize + size) };
}

export function readIdxFile(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}

/** Encodes unsigned bytes as an IDX file (used by test fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`encodeIdx: dims [${dims.join(', ')}] need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
