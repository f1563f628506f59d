/**
 * A vitest global setup for suites that start the `border0` command: builds it from the current sources
 * first (cli/build.mjs, under a second), so that a test never runs an outdated build.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './border0-cli.js';

export default function setup(): void {
  execFileSync(process.execPath, [join(ROOT, 'cli', 'build.mjs')], { stdio: 'inherit' });
}
