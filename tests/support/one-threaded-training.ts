/** One tiny training in a training thread, then nothing: the process must end on its own. */
import { runTrainingInThread } from '../../engine/thread-runner';
import { threadedJob } from '../../harness/threaded-job';

const job = threadedJob();
const run = await runTrainingInThread(job.job, 'wasm', job.hooks());
job.cleanup();
console.log(`trained ${run.overLatency ? 'over latency' : run.outcome.status}`);
