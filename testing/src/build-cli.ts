/**
 * A vitest global setup for suites that start the `border0` command: builds it from the current sources
 * first (the portal with Vite, then cli/build.mjs: a few seconds), so that a test never runs an outdated build.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './border0-cli.js';

export default function setup(): void {
  // The portal first: the CLI's build copies it in (border0 start serves it at `/`).
  const vite = join(ROOT, 'portal', 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: join(ROOT, 'portal'),
    stdio: 'inherit',
    // vitest sets NODE_ENV=test, with which Vite bundles React's development build: test what users run.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  execFileSync(process.execPath, [join(ROOT, 'cli', 'build.mjs')], { stdio: 'inherit' });
}
