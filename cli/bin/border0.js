#!/usr/bin/env node
// Runs the CLI as built JavaScript (cli/build.mjs, run by `pnpm install` and `pnpm build`): nothing is
// compiled at start-up.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/main.js')) throw error;
  process.stderr.write('error: border0 is not built: run `pnpm install` or `pnpm build` in the repository\n');
  process.exit(1);
}
