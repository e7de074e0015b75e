/** Which activity attempts a new owner takes for orphans: those of a dead worker process on this host. */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localWorkerPid, processIsGone } from '../stack/orphaned-trainings.ts';

describe('orphaned activity attempts', () => {
  it('reads the pid of a worker identity on this host only', () => {
    expect(localWorkerPid(`trainer-123@${hostname()}`)).toBe(123);
    expect(localWorkerPid(`456@${hostname()}`)).toBe(456);
    expect(localWorkerPid('trainer-123@another-machine')).toBeNull();
    expect(localWorkerPid(`owner@${hostname()}`)).toBeNull();
    expect(localWorkerPid('')).toBeNull();
  });

  it('tells a finished process from a live one', () => {
    const finished = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(processIsGone(finished)).toBe(true);
    expect(processIsGone(process.pid)).toBe(false);
  });
});
