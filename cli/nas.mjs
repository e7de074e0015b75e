#!/usr/bin/env node
// The `nas` command: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Native Temporal and tfjs handles may outlive the command; the command is done.
process.exit(code);
