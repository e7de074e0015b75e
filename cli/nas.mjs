#!/usr/bin/env node
// The `nas` command: TypeScript sources run as they are, Node strips their types; no build step.
// A namespace import: Node 20 lacks the compile cache and must reach the version check below.
import * as nodeModule from 'node:module';
import '../db/drizzle-as-commonjs.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`nas: Node.js ${process.version} is not supported; install Node.js 24 LTS (or 22.18 and later)`);
  process.exit(2);
}
// V8's code cache of every module this command loads (and of their stripped types), kept in the
// system's temporary folder.
nodeModule.enableCompileCache();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
nodeModule.flushCompileCache();
// Native Temporal and tfjs handles may outlive the command; the command is done.
process.exit(code);
