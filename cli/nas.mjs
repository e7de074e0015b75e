#!/usr/bin/env node
// The `nas` command: TypeScript sources run through tsx, no build step.
// A namespace import: Node 20 lacks the compile cache and must reach the version check below.
import * as nodeModule from 'node:module';
import { register } from 'tsx/esm/api';
import '../db/drizzle-as-commonjs.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`nas: Node.js ${process.version} is not supported; install Node.js 24 LTS (or 22.12 and later)`);
  process.exit(2);
}
// V8's code cache of every module this command loads, kept in the system's temporary folder.
nodeModule.enableCompileCache();
register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
await finishCacheWrites();
// Native Temporal and tfjs handles may outlive the command; the command is done.
process.exit(code);

/**
 * tsx writes each file it transpiles to its disk cache in the background; exiting before those
 * writes end leaves empty cache files, and the next command transpiles everything again.
 */
async function finishCacheWrites() {
  nodeModule.flushCompileCache();
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline && process.getActiveResourcesInfo().some((kind) => kind.startsWith('FSReq'))) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
