import { defineConfig } from 'vitest/config';

// Each test starts whole platforms as processes: one file at a time keeps the 2-core machine responsive.
export default defineConfig({
  test: { pool: 'forks', maxWorkers: 1, testTimeout: 120_000, hookTimeout: 60_000 },
});
