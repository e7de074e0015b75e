/**
 * Where `nas export` writes: a hidden sibling of --out, made before anything is built (so an
 * unwritable --out is refused at once), filled, then renamed to --out. --out holds everything or
 * does not exist: the sibling is removed on failure and on SIGINT, SIGTERM or SIGHUP, and one that
 * a killed export left behind (its process gone) is removed by the next export to the same --out.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RequestError } from '../contracts/request-error.ts';

export interface ExportDestination {
  /** Writes the files and renames the directory to --out. */
  commit(files: Map<string, string | Uint8Array>): void;
  /** Removes what was made, unless committed. */
  discard(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `out` (absolute) must be new or an empty directory, and its parent writable; `flag` is --out as given. */
export function prepareDestination(flag: string, out: string): ExportDestination {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new RequestError('--out', `${flag} is a file; name a new directory`);
    if (readdirSync(out).length > 0)
      throw new RequestError('--out', `${flag} already exists and is not empty; name a new directory (or remove it)`);
  }
  const parent = dirname(out);
  const partial = `.${basename(out)}.partial-`;
  let madeParents: string | undefined;
  let temporary: string;
  try {
    madeParents = mkdirSync(parent, { recursive: true });
    removeAbandoned(parent, partial);
    temporary = join(parent, `${partial}${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(temporary);
  } catch (err) {
    if (madeParents) rmSync(madeParents, { recursive: true, force: true });
    const { path = parent } = err as NodeJS.ErrnoException;
    throw new RequestError('--out', `cannot write ${flag}: ${reason(err)} (${path}); name a directory you can write`);
  }
  let done = false;
  const discard = () => {
    if (done) return;
    done = true;
    for (const signal of SIGNALS) process.off(signal, onSignal);
    rmSync(temporary, { recursive: true, force: true });
    if (madeParents) rmSync(madeParents, { recursive: true, force: true });
  };
  function onSignal(signal: NodeJS.Signals) {
    discard();
    process.kill(process.pid, signal);
  }
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return {
    commit(files) {
      try {
        for (const [path, content] of files) {
          const target = join(temporary, path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, content);
        }
        // rename(2) replaces an empty directory (checked before) and nothing else.
        renameSync(temporary, out);
      } catch (err) {
        discard();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
          throw new RequestError(
            '--out',
            `${flag} was filled by another process while exporting; name a new directory`,
          );
        }
        throw err;
      }
      done = true;
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
    discard,
  };
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a file is in its path';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (err as Error).message;
}

/** Partial directories of exports to the same --out whose process is gone. */
function removeAbandoned(parent: string, partial: string): void {
  for (const name of readdirSync(parent)) {
    const pid = name.startsWith(partial) ? Number(/^(\d+)-[0-9a-f]{8}$/.exec(name.slice(partial.length))?.[1]) : NaN;
    if (Number.isInteger(pid) && !isAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
