/** The directory of a dataset of the user's: there, a directory, readable and not empty. */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { DatasetFileError } from './image-set';

/** The directory's entries, sorted by name; a DatasetFileError if it cannot be listed or is empty. */
export function listDatasetDir(dir: string): Dirent[] {
  let entries: Dirent[];
  try {
    if (!statSync(dir).isDirectory()) throw new DatasetFileError(dir, 'not a directory', 'give the directory that holds the dataset');
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof DatasetFileError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DatasetFileError(dir, 'no such directory', 'give the directory that holds the dataset');
    throw fileError(dir, err);
  }
  if (entries.length === 0) throw new DatasetFileError(dir, 'empty directory', 'give the directory that holds the dataset');
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A file-system error as a DatasetFileError naming the path. */
export function fileError(path: string, err: unknown): DatasetFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatasetFileError(path, 'no such file or directory');
  if (code === 'EACCES' || code === 'EPERM') return new DatasetFileError(path, 'cannot be read (permission denied)', 'make it readable by this user');
  return new DatasetFileError(path, `cannot be read (${(err as Error).message})`);
}
