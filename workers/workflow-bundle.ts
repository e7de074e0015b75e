/**
 * The workflow bundle, built once per change of its sources instead of at every worker start (about
 * 6 s of CPU). Kept in `<nas cache>/workflow-bundles/`: the code, and beside it the hash of every
 * source file the bundle was built from (read from its inline source map). A cached bundle is used
 * only while all of those files hash the same; otherwise it is rebuilt and replaced atomically.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@temporalio/worker';
import { nasCacheRoot } from './cache-root.ts';

/** The module that exports every workflow: what the orchestrator's bundle is built from. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

interface BundleManifest {
  workflowsPath: string;
  sources: Record<string, string>;
}

const SOURCE_MAP = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/;

export async function cachedWorkflowBundle(workflowsPath: string, logger?: Logger): Promise<{ code: string }> {
  const dir = join(nasCacheRoot(), 'workflow-bundles');
  const key = sha256(workflowsPath).slice(0, 16);
  const codeFile = join(dir, `${key}.js`);
  const manifestFile = join(dir, `${key}.json`);
  const cached = readCached(codeFile, manifestFile, workflowsPath);
  if (cached) return { code: cached };
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, ...(logger ? { logger } : {}) });
  const manifest: BundleManifest = { workflowsPath, sources: hashSources(sourcesOf(code)) };
  mkdirSync(dir, { recursive: true });
  writeAtomically(codeFile, code);
  writeAtomically(manifestFile, JSON.stringify(manifest));
  return { code };
}

function readCached(codeFile: string, manifestFile: string, workflowsPath: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
    if (manifest.workflowsPath !== workflowsPath) return undefined;
    const now = hashSources(Object.keys(manifest.sources));
    if (Object.entries(manifest.sources).some(([file, hash]) => now[file] !== hash)) return undefined;
    const code = readFileSync(codeFile, 'utf8');
    return sameSources(manifest, code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The code file belongs to the manifest: a crash between the two writes leaves a pair that disagrees. */
function sameSources(manifest: BundleManifest, code: string): boolean {
  const listed = sourcesOf(code);
  return listed.length === Object.keys(manifest.sources).length && listed.every((file) => file in manifest.sources);
}

function sourcesOf(code: string): string[] {
  const match = SOURCE_MAP.exec(code);
  if (!match) throw new Error('workflow bundle has no inline source map');
  const map = JSON.parse(Buffer.from(match[1] as string, 'base64').toString('utf8')) as { sources: string[] };
  return map.sources;
}

function hashSources(files: string[]): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file] = hashFile(file);
  return hashes;
}

function hashFile(file: string): string {
  try {
    return sha256(readFileSync(file));
  } catch {
    return 'missing';
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeAtomically(file: string, data: string): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}
