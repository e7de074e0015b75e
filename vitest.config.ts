import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // One file at a time: with two side by side, the embedded stack's Ctrl-C test timed out in 2 of
    // 3 full runs (its second search never showed as started within 300 s); cause not found yet.
    pool: 'forks',
    fileParallelism: false,
  },
});
