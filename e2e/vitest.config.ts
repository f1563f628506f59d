import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The suites start the built `border0` command: built from the current sources first. */
const buildCli = fileURLToPath(new URL('../testing/src/build-cli.ts', import.meta.url));

// Each test starts whole platforms as processes: one file at a time keeps the 2-core machine responsive.
export default defineConfig({
  test: {
    globalSetup: [buildCli],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
