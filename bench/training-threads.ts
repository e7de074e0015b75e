/**
 * What a training thread costs to start, against a training on a thread an earlier training left
 * idle (engine/thread-runner.ts): wall and process CPU seconds (all threads) per tiny training, the
 * median of --repeats trainings each, and the ratio. The tests and small searches train many such.
 *
 *   node bench/training-threads.ts [--repeats 5]
 */
import { parseArgs } from 'node:util';
import { endIdleTrainingThreads, runTrainingInThread } from '../engine/thread-runner.ts';
import { threadedJob } from '../harness/threaded-job.ts';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Number(values.repeats);
const { job, hooks, cleanup } = threadedJob();

async function measure(fresh: boolean): Promise<{ wall: number; cpu: number }> {
  if (fresh) await endIdleTrainingThreads();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await runTrainingInThread(job, 'wasm', hooks());
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fresh: { wall: number; cpu: number }[] = [];
const reused: { wall: number; cpu: number }[] = [];
for (let i = 0; i < repeats; i++) {
  fresh.push(await measure(true));
  reused.push(await measure(false));
}
cleanup();
const row = (name: string, runs: { wall: number; cpu: number }[]) =>
  `${name.padEnd(16)} wall ${median(runs.map((r) => r.wall)).toFixed(2)} s, CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s`;
console.log(`one tiny training (${job.protocol.trainSize} images, 1 epoch), median of ${repeats}:`);
console.log(row('fresh thread', fresh));
console.log(row('reused thread', reused));
console.log(
  `ratio fresh/reused: CPU ${(median(fresh.map((r) => r.cpu)) / median(reused.map((r) => r.cpu))).toFixed(1)}x`,
);
await endIdleTrainingThreads();
