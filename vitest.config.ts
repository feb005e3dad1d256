import { defineConfig } from 'vitest/config';

// Tests import the built package ('parsl-ts' → dist/) exactly as users do: worker threads and child
// processes load compiled JavaScript, so the suite exercises what ships.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Suites start real daemons, MPI jobs and process pools on a 2-core machine: one file at a time keeps
    // them from starving each other.
    fileParallelism: false,
    retry: 0,
    reporters: ['default'],
  },
});
