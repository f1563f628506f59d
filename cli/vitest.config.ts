import { defineConfig } from 'vitest/config';

// Cross-process tests spawn the CLI (0.5–1 s each on 2 cores): two forks keep the machine responsive.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
