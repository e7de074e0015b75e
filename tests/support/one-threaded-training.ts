/** One tiny training in a training thread, then nothing: the process must end on its own. */
import { runTrainingInThread } from '../../engine/thread-runner.ts';
import { threadedJob } from '../../harness/threaded-job.ts';

const job = threadedJob();
const run = await runTrainingInThread(job.job, 'wasm', job.hooks());
job.cleanup();
console.log(`trained ${run.overLatency ? 'over latency' : run.outcome.status}`);
