import { defineConfig } from 'vitest/config';

// The smoke run starts whole platforms, sshd, PostgreSQL, nginx: one file at a time.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000,
  },
});
