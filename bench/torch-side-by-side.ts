/**
 * PyTorch beside the wasm engine in `npm run bench:train -- --torch`: the same layer graphs,
 * built node for node by bench/torch_train.py in Debian's python3-torch, trained on batches of
 * 128 with the same optimizer at 1 and 2 threads in NCHW and channels_last, in the same run as ours. Absent torch, the
 * comparison is skipped with one line; it is never needed by tests.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { graphCost } from '../cells/cost.ts';
import type { LayerGraph } from '../cells/graph.ts';

const SCRIPT = fileURLToPath(new URL('./torch_train.py', import.meta.url));
const PYTHON = process.env.NAS_BENCH_PYTHON ?? '/usr/bin/python3';
export const TORCH_LAYOUTS = ['nchw', 'channels_last'] as const;
export const TORCH_THREADS = [1, 2] as const;

export interface TorchRate {
  threads: number;
  layout: (typeof TORCH_LAYOUTS)[number];
  samplesPerSecond: number;
  steps: number;
}

export interface TorchModelRates {
  model: string;
  torch: string;
  rates: TorchRate[];
}

/** torch's version, or why it cannot run here. */
export function torchVersion(): { version: string } | { missing: string } {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return { version: probe.stdout.trim() };
  const reason = probe.error?.message ?? probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`;
  return { missing: `${PYTHON}: ${reason} (Debian: apt-get install python3-torch)` };
}

export function torchRates(
  model: string,
  graph: LayerGraph,
  options: { batch: number; optimizer: string; budgetSeconds: number; maxSteps: number },
): TorchModelRates {
  let version = '';
  const rates = TORCH_THREADS.flatMap((threads) =>
    TORCH_LAYOUTS.map((layout): TorchRate => {
      const run = spawnSync(PYTHON, [SCRIPT], {
        input: JSON.stringify({ graph, threads, layout, ...options }),
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (run.status !== 0) throw new Error(`torch ${model} (${threads} threads, ${layout}): ${run.stderr.trim()}`);
      const result = JSON.parse(run.stdout) as {
        samplesPerSecond: number;
        steps: number;
        params: number;
        torch: string;
      };
      const params = graphCost(graph).params;
      if (result.params !== params)
        throw new Error(
          `torch ${model} has ${result.params} parameters, the layer graph ${params}: not the same network`,
        );
      version = result.torch;
      return { threads, layout, samplesPerSecond: +result.samplesPerSecond.toFixed(2), steps: result.steps };
    }),
  );
  return { model, torch: version, rates };
}

export function torchRate(rates: TorchModelRates, threads: number, layout: TorchRate['layout']): number | undefined {
  return rates.rates.find((r) => r.threads === threads && r.layout === layout)?.samplesPerSecond;
}
