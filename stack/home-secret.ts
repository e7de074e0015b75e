import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The home's database password: random, created once, readable by its user only (mode 0600).
 * The embedded database endpoint requires it; nothing else under the home holds a password.
 */
export function homeSecret(home: string): string {
  const file = join(home, 'secret');
  try {
    writeFileSync(file, randomBytes(24).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
