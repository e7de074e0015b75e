/** `nas baselines latency`: measured rows per baseline (median ms at batch 1 and at --batch-size), and bad input as one line. */
import { describe, expect, it } from 'vitest';
import type { BaselineLatencyRow } from '../cli/commands/baselines-latency.ts';
import { badInputLine, runCli } from './support/run-cli.ts';

describe('nas baselines latency', () => {
  it('measures the named baselines on the backend given, at batch 1 and at --batch-size', async () => {
    const { code, stdout, stderr } = await runCli([
      'baselines',
      'latency',
      'lenet5',
      'alexnet-small',
      '--backend',
      'cpu',
      '--batch-size',
      '8',
      '--format',
      'json',
    ]);
    expect(code, stderr).toBe(0);
    const rows = JSON.parse(stdout) as BaselineLatencyRow[];
    expect(rows.map((r) => r.name)).toEqual(['lenet5', 'alexnet-small']);
    for (const row of rows) {
      expect(row).toMatchObject({ input: '28x28x1', batchSize: 8, backend: 'cpu' });
      expect(row.latencyMs).toBeGreaterThan(0);
      expect(row.batchLatencyMs).toBeGreaterThan(0);
      expect(row.runs).toBeGreaterThanOrEqual(3);
      expect(row.device).toMatch(/^cpu \(pure JS\), \S/);
    }
    // AlexNet-small does 30 times LeNet-5's multiply-adds.
    expect(rows[1].flops).toBeGreaterThan(20 * rows[0].flops);
    expect(rows[1].batchLatencyMs).toBeGreaterThan(rows[0].batchLatencyMs);
    expect(stderr).toMatch(/median of timed forward passes after 3 warm-up passes, on cpu: cpu \(pure JS\), /);
  }, 120_000);

  it('refuses an unknown baseline, a bad --batch-size and a non-tfjs --backend, naming them', async () => {
    expect(await badInputLine(['baselines', 'latency', 'resnet50'])).toMatch(
      /^nas: <name>: unknown baseline "resnet50"; known baselines: lenet5, /,
    );
    expect(await badInputLine(['baselines', 'latency', '--batch-size', '0'])).toBe(
      'nas: --batch-size: must be a positive integer, got "0"',
    );
    expect(await badInputLine(['baselines', 'latency', '--backend', 'simulated'])).toMatch(/^nas: --backend: /);
  });
});
