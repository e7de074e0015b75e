/**
 * A new embedded database starts from a copy of an empty, migrated one: PGlite's initdb and the
 * migrations cost about 6 CPU-seconds on disk (2 in memory), loading the copy as a tarball about 2
 * (1), and copying it as a data directory on disk about 0.2. The copy is made once per set of
 * migrations and PGlite version, and kept (tarball and data directory) in
 * `${XDG_CACHE_HOME ?? ~/.cache}/nas-orchestrator/pglite-templates/` (the same root as the
 * Temporal CLI and the workflow bundles).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { createPglite } from './pglite-create.ts';

/** True for a data directory PGlite would have to initialise: in memory, missing or empty. */
export function isNewDataDir(dataDir: string): boolean {
  if (dataDir.includes('://')) return dataDir === 'memory://';
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** The migrated empty database as a PGlite data-directory tarball, made with `migrate` when not cached. */
export async function migratedTemplate(
  migrationsFolder: string,
  migrate: (client: PGlite) => Promise<void>,
): Promise<Blob> {
  const file = join(templateDir(), `${templateKey(migrationsFolder)}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const client = await createPglite('memory://');
  let tarball: Blob;
  try {
    await migrate(client);
    tarball = await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, file);
  } catch {
    // An unwritable cache only costs the next new database the same work again.
  }
  return tarball;
}

/**
 * The migrated empty database as a PGlite data directory, for new databases on disk to copy;
 * null when the cache cannot hold it.
 */
export async function migratedTemplateDataDir(
  migrationsFolder: string,
  migrate: (client: PGlite) => Promise<void>,
): Promise<string | null> {
  const dataDir = join(templateDir(), `${templateKey(migrationsFolder)}.pgdata`);
  if (existsSync(dataDir)) return dataDir;
  const tarball = await migratedTemplate(migrationsFolder, migrate);
  const partial = `${dataDir}.${process.pid}.partial`;
  try {
    await (await createPglite(partial, { loadDataDir: tarball })).close();
    renameSync(partial, dataDir);
  } catch {
    // Another process renamed its copy first, or the cache is not writable.
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return existsSync(dataDir) ? dataDir : null;
}

function templateDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nas-orchestrator', 'pglite-templates');
}

/** Every migration file and the PGlite version: a change to either makes another template. */
function templateKey(migrationsFolder: string): string {
  const hash = createHash('sha256').update(pgliteVersion());
  const files = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true })
      .flatMap((entry) => (entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)]))
      .sort();
  for (const path of files(migrationsFolder))
    hash.update(path.slice(migrationsFolder.length)).update(readFileSync(path));
  return hash.digest('hex').slice(0, 16);
}

function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
