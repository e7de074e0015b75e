/** What tests of the embedded stack look at from outside a home: its dev-server processes and a small disk for it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Pids of the Temporal dev servers started for this home (none once its owner has shut down). */
export function devServersOfHome(home: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `start-dev.*${home}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

export interface SmallDisk {
  dir: string;
  /** False where this process may not mount (not root): the tests that need a full disk skip. */
  mounted: boolean;
  remove(): void;
}

/** A 400 MB tmpfs in a new temporary folder, for homes whose disk fills. */
export function mountSmallDisk(prefix: string): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let mounted = true;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=400m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    mounted = false;
  }
  return {
    dir,
    mounted,
    remove() {
      if (mounted) execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
