#!/usr/bin/env node
// The `nas` command: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`nas: Node.js ${process.version} is not supported; install Node.js 24 LTS (or 22.12 and later)`);
  process.exit(2);
}
register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Native Temporal and tfjs handles may outlive the command; the command is done.
process.exit(code);
