import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/warm-caches.ts'],
    setupFiles: ['tests/support/kill-leftovers.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two files at a time, one per core: every file has its own Temporal servers, databases and homes.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
  },
});
