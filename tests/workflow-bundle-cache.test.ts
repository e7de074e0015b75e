/**
 * The cached workflow bundle: built once, reused while its sources are unchanged, rebuilt when one
 * of them changes or the cache files disagree.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedWorkflowBundle } from '../workers/workflow-bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let sourceDir: string;
let cacheHome: string;
let previousCacheHome: string | undefined;

function writeWorkflows(greeting: string, helperGreeting = 'helper-1'): string {
  writeFileSync(join(sourceDir, 'helper.ts'), `export const helperGreeting = '${helperGreeting}';\n`);
  const path = join(sourceDir, 'workflows.ts');
  writeFileSync(
    path,
    `import { helperGreeting } from './helper';\nexport async function greet(): Promise<string> { return '${greeting}' + helperGreeting; }\n`,
  );
  return path;
}

function cachedCodeFile(): string {
  const dir = join(cacheHome, 'nas-orchestrator', 'workflow-bundles');
  const file = readdirSync(dir).find((name) => name.endsWith('.js'));
  if (!file) throw new Error('no cached bundle');
  return join(dir, file);
}

beforeAll(() => {
  // Inside the project so that the bundle resolves @temporalio/workflow as the project's workflows do
  // (the bundler compiles no TypeScript under node_modules).
  sourceDir = mkdtempSync(join(ROOT, '.bundle-test-'));
  cacheHome = mkdtempSync(join(sourceDir, 'cache-'));
  previousCacheHome = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cacheHome;
});

afterAll(() => {
  if (previousCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = previousCacheHome;
  rmSync(sourceDir, { recursive: true, force: true });
});

describe('cachedWorkflowBundle', () => {
  it('reuses the bundle while its sources are unchanged and rebuilds it when one changes', async () => {
    const path = writeWorkflows('hello-1');
    const first = await cachedWorkflowBundle(path);
    expect(first.code).toContain('hello-1');
    const builtAt = statSync(cachedCodeFile()).mtimeMs;

    const second = await cachedWorkflowBundle(path);
    expect(second.code).toBe(first.code);
    expect(statSync(cachedCodeFile()).mtimeMs).toBe(builtAt);

    writeWorkflows('hello-1', 'helper-2');
    const third = await cachedWorkflowBundle(path);
    expect(third.code).toContain('helper-2');
    expect(third.code).not.toContain('helper-1');
  });

  it('rebuilds when the cached code does not belong to its manifest', async () => {
    const path = writeWorkflows('hello-2');
    await cachedWorkflowBundle(path);
    writeFileSync(cachedCodeFile(), 'export const notABundle = 1;');
    const rebuilt = await cachedWorkflowBundle(path);
    expect(rebuilt.code).toContain('hello-2');
  });
});
