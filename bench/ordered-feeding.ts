/**
 * What feeding results to the strategy in trial-index order (within its proposal window) costs
 * in idle trainer time: a 24-trial search at parallel 4 on a Temporal dev server, with the stub
 * trainer (seeded durations, default 0.5-2.5 s, MIN_MS/MAX_MS to change, the same per trial index in every run), for windows
 * from 4 to 24. A window of 24 never holds a proposal back in a 24-trial search: it is the
 * baseline where a freed slot is refilled at once.
 *   node bench/ordered-feeding.ts
 */
import type { StrategyConfig } from '../search/strategies/types.ts';
import { ORCHESTRATOR_TASK_QUEUE } from '../workers/task-queues.ts';
import { searchWorkflow } from '../workflows/search.ts';
import { createSearchStack, tinySearchRequest } from '../harness/search-stack.ts';
import { createStubTrainer } from '../harness/stub-trainer.ts';

const TRIALS = 24;
const PARALLEL = 4;
const DURATIONS = { minMs: Number(process.env.MIN_MS ?? 500), maxMs: Number(process.env.MAX_MS ?? 2500), seed: 13 };

interface Span {
  start: number;
  end: number;
}

async function main(): Promise<void> {
  const stack = await createSearchStack('pglite');
  const lines: string[] = [];
  let run = 0;
  try {
    for (const name of ['evolution', 'reinforce'] as const) {
      for (const window of [4, 8, 24]) {
        const spans: Span[] = [];
        const strategy: StrategyConfig = {
          name,
          dedup: true,
          window,
          ...(name === 'evolution' ? { evolution: { population: 8, sample: 3 } } : {}),
        };
        // A protocol of its own per run, so no run reuses another's results.
        const protocol = { ...tinySearchRequest().protocol, seed: 100 + run++ };
        const request = tinySearchRequest({
          searchId: `bench-ordered-${name}-w${window}`,
          strategy,
          trials: TRIALS,
          parallel: PARALLEL,
          seed: 3,
          protocol,
        });
        const began = Date.now();
        await stack.withWorkers(
          () =>
            stack.env.client.workflow.execute(searchWorkflow, {
              taskQueue: ORCHESTRATOR_TASK_QUEUE,
              workflowId: request.searchId,
              args: [request],
            }),
          () => createStubTrainer(stack.database.db, { ...DURATIONS, onSpan: (s) => spans.push(s) }),
          { trainerSlots: PARALLEL },
        );
        const wall = (Date.now() - began) / 1000;
        const first = Math.min(...spans.map((s) => s.start));
        const last = Math.max(...spans.map((s) => s.end));
        const busy = spans.reduce((sum, s) => sum + (s.end - s.start), 0) / 1000;
        const capacity = (PARALLEL * (last - first)) / 1000;
        const idle = capacity - busy;
        lines.push(
          `${name.padEnd(9)} window ${String(window).padStart(2)}: ${spans.length} trainings, busy ${busy.toFixed(1)} s, ` +
            `first start to last end ${((last - first) / 1000).toFixed(1)} s, idle ${idle.toFixed(1)} s of ${capacity.toFixed(1)} trainer-s ` +
            `(${((100 * idle) / capacity).toFixed(0)}%), workflow wall ${wall.toFixed(1)} s`,
        );
        console.log(lines[lines.length - 1]);
      }
    }
  } finally {
    await stack.close();
  }
  console.log(`\n${lines.join('\n')}`);
}

await main();
