/**
 * Replays committed workflow histories (tests/histories/*.json) against the current workflow bundle:
 * a change that would break workflows already running fails here with a non-determinism error.
 * Record them again (tests/histories/record-histories.ts) only for an intended incompatible change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '../harness/history-json.ts';
import { workflowBundle } from '../harness/search-stack.ts';

const dir = join(import.meta.dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories', () => {
  it('cover a search, a baselines run, a scaling study, a final evaluation and a weight-sharing search', () => {
    expect(files.sort()).toEqual(['baselines.json', 'enas.json', 'final.json', 'scaling.json', 'search.json']);
  });

  it('replay without non-determinism against the current workflow code', async () => {
    const histories = files.map((file) => {
      const { workflowId, history } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return { workflowId: workflowId as string, history: historyFromJSON(history) };
    });
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : null });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: null })));
  });
});
