/**
 * A trainer process for tests/shared-weights-training.test.ts: trains the sharing fixture's phase
 * (steps 0 to <to-step>) with checkpoints every 2 steps, prints `step N` after each step, and
 * hangs after step <hang-after> until it is killed.
 *
 *   node tests/support/shared-training-child.ts <checkpoint> <seed> <to-step> <hang-after>
 */
import { selectBackend } from '../../engine/backend.ts';
import { fresh, phase } from './sharing-fixture.ts';

const [checkpointPath, seed, toStep, hangAfter] = process.argv.slice(2);
await selectBackend('wasm', { threads: 1, log: () => {} });
await phase(fresh(Number(seed)), Number(seed), checkpointPath, {
  toStep: Number(toStep),
  onStep: async (step) => {
    process.stdout.write(`step ${step}\n`);
    if (step === Number(hangAfter)) await new Promise(() => {});
  },
});
process.stdout.write('done\n');
