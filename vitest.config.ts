import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/warm-caches.ts'],
    setupFiles: ['tests/support/kill-leftovers.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Every file has its own Temporal servers, databases and homes, so files run side by side: three
    // at a time on two cores, because many spend much of their time waiting for processes they started.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 3 } },
  },
});
