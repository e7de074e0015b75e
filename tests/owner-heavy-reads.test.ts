/**
 * Issue 26, liveness against heavy reads that nas's query shapes admit: however many clients send
 * the heaviest read the owner admits, back to back, the owner's own recording waits at most 2 s;
 * a read priced above the bound is refused with a line and never runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../stack/database-endpoint.ts';
import { crossJoinRead, heaviestAdmittedRead, readersBackToBack } from '../harness/hostile-clients.ts';
import { startOwner, type OwnerProcess } from './support/owner-process.ts';

const PASSWORD = 'home-secret';
const MAX_DELAY_MS = 2_000;

let owner: OwnerProcess;

beforeEach(async () => {
  owner = await startOwner(PASSWORD);
  await sleep(500);
  await owner.report();
}, 70_000);

afterEach(() => {
  owner.kill();
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('the owner of a home, against heavy reads it admits', () => {
  it('records within 2 s while 8 clients send the heaviest admitted read back to back', async () => {
    const readers = readersBackToBack(owner.port, PASSWORD, 8, heaviestAdmittedRead(LIMITS.MAX_READ_COST));
    await sleep(6_000);
    const report = await owner.report();
    readers.stop();
    console.info(
      `8 heavy readers: ${JSON.stringify(report)}, ${readers.answers()} answers, errors ${readers.errors()}`,
    );
    expect(readers.errors()).toEqual([]);
    expect(readers.answers()).toBeGreaterThan(0);
    expect(report.longestGapMs).toBeLessThan(MAX_DELAY_MS);
    expect(report.recorded).toBeGreaterThan(0);
  }, 30_000);

  it('refuses a read the planner prices above the bound, naming the bound, and records meanwhile', async () => {
    const readers = readersBackToBack(owner.port, PASSWORD, 1, crossJoinRead(3_000));
    await sleep(4_000);
    const report = await owner.report();
    readers.stop();
    console.info(`a read priced above the bound: ${JSON.stringify(report)}, errors ${readers.errors().slice(0, 1)}`);
    expect(readers.answers()).toBe(0);
    expect(readers.errors()[0]).toMatch(new RegExp(`above the ${LIMITS.MAX_READ_COST} a client's read may cost`));
    expect(report.longestGapMs).toBeLessThan(MAX_DELAY_MS);
  }, 30_000);
});
