/**
 * The version of a dataset of the user's: a hash of its files' paths (relative to its directory)
 * and sizes. It is part of the protocol, so a dataset whose files changed is another protocol, and
 * it keys the disk cache of decoded images. Contents are not read: a file rewritten in place with
 * the same size keeps the version.
 */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { stableHash } from '../../contracts/hash.ts';

export function datasetVersion(kind: string, dir: string, files: readonly string[]): string {
  const listed = files.map((file) => [relative(dir, file), statSync(file).size]);
  return stableHash({ kind, files: listed });
}
