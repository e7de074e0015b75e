/**
 * `nas` on a Node.js past its end of life (the machines' own /usr/bin/node is Node 20): one line
 * naming the supported versions and exit 2, not a module-linking stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SYSTEM_NODE = '/usr/bin/node';
const systemMajor = existsSync(SYSTEM_NODE)
  ? Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]']).stdout.toString())
  : null;

describe('nas on an unsupported Node.js', () => {
  it.runIf(systemMajor !== null && systemMajor < 22)(`refuses in one line with exit 2 on Node ${systemMajor}`, () => {
    const run = spawnSync(SYSTEM_NODE, ['cli/nas.mjs', 'search', 'list'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^nas: Node\.js v\d+\.\d+\.\d+ is not supported; install Node\.js 24 LTS/),
    ]);
  });
});
