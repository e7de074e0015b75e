/** The directory of a dataset of the user's: there, a directory, readable and not empty. */
import { readdirSync, readlinkSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { DatasetFileError } from './image-set.ts';

/** The directory's entries, sorted by name; a DatasetFileError if it cannot be listed or is empty. */
export function listDatasetDir(dir: string): Dirent[] {
  let entries: Dirent[];
  try {
    if (!statSync(dir).isDirectory())
      throw new DatasetFileError(dir, 'not a directory', 'give the directory that holds the dataset');
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof DatasetFileError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DatasetFileError(dir, 'no such directory', 'give the directory that holds the dataset');
    throw fileError(dir, err);
  }
  if (entries.length === 0)
    throw new DatasetFileError(dir, 'empty directory', 'give the directory that holds the dataset');
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A file-system error as a DatasetFileError naming the path. */
export function fileError(path: string, err: unknown): DatasetFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatasetFileError(path, 'no such file or directory');
  if (code === 'EACCES' || code === 'EPERM')
    return new DatasetFileError(path, 'cannot be read (permission denied)', 'make it readable by this user');
  return new DatasetFileError(path, `cannot be read (${(err as Error).message})`);
}

/**
 * What the entry is, a symbolic link followed to its target; a DatasetFileError for a link whose
 * target does not exist (or a loop of links), so that no class folder or image is dropped silently.
 */
export function entryKind(dir: string, entry: Dirent): 'directory' | 'file' | 'other' {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
  const path = join(dir, entry.name);
  try {
    const target = statSync(path);
    return target.isDirectory() ? 'directory' : target.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') {
      throw new DatasetFileError(
        path,
        `a symbolic link to ${readlinkSync(path)}, which ${code === 'ENOENT' ? 'does not exist' : 'is a loop of links'}`,
        'fix the link or remove it',
      );
    }
    throw fileError(path, err);
  }
}
