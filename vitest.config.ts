import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Files run side by side, one per core: each starts its own Temporal dev server and databases
    // on free ports and names, so they share nothing but the cached workflow bundle.
    pool: 'forks',
    fileParallelism: true,
    poolOptions: { forks: { maxForks: availableParallelism(), minForks: 1 } },
  },
});
