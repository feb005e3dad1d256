import { defineConfig } from 'vitest/config';

// Tests import the built package ('parsl-ts' → dist/) exactly as users do: worker threads and child
// processes load compiled JavaScript, so the suite exercises what ships.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    retry: 0,
    reporters: ['default'],
  },
});
