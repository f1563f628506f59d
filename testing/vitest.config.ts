import { defineConfig } from 'vitest/config';

// The fixtures' own tests use the real services on loopback: one fork at a time, with room on a busy machine.
export default defineConfig({
  test: { pool: 'forks', maxWorkers: 1, testTimeout: 30_000, hookTimeout: 30_000 },
});
