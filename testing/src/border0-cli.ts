/** The real `border0` binary of this workspace, run as a child process the way a person runs it. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root: the working directory of every `border0` process started here. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The workspace's binary (a file to run with `process.execPath`, not a module to import). */
export const BIN = join(ROOT, 'cli', 'bin', 'border0.js');

/** This process's environment without any BORDER0_* variable, so that a test says all of the CLI's settings. */
export const cleanEnv = (): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BORDER0_')));

export interface CliResult {
  /** The exit code; -1 when the process was killed (a 30 s limit) or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `border0 ...args` to its end with a clean BORDER0_* environment plus `env`, and `input` on standard
 * input (then its end). Never rejects: the exit code and the output are the answer.
 *
 * @example
 * const listed = await border0(['socket', 'ls', '--output', 'json'], { BORDER0_CONFIG_DIR: configDir });
 */
export function border0(
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...cleanEnv(), ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}
