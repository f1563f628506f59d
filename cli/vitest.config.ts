import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The suites start the built `border0` command: built from the current sources first. */
const buildCli = fileURLToPath(new URL('../testing/src/build-cli.ts', import.meta.url));

// Cross-process tests spawn the CLI (0.5–1 s each on 2 cores): two forks keep the machine responsive.
export default defineConfig({
  test: {
    globalSetup: [buildCli],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
