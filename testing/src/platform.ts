/** `border0 start` as a child process: the whole platform (API, and unless told otherwise a proxy and a connector). */
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, cleanEnv, ROOT } from './border0-cli.js';

export interface Platform {
  process: ChildProcess;
  /** The API's address, as the process printed it. */
  url: string;
  /** Everything it wrote so far, standard output and error together. */
  output: () => string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Which `border0` to start: the workspace's by default, or another install of it (e.g. from the npm package). */
export interface PlatformBinary {
  /** The `border0` script to run with Node. */
  bin: string;
  /** Its working directory. */
  cwd: string;
}

/**
 * Starts `border0 start --port 0 --proxy-port 0 --http-port 0 ...args` with a clean BORDER0_* environment plus `env`;
 * resolves once it prints its API address, and fails (having stopped it) when it exits or stays silent.
 *
 * @example
 * const platform = await startPlatform(['--data-dir', tempDir('data')], { BORDER0_CONFIG_DIR: tempDir('config') });
 */
export async function startPlatform(
  args: string[],
  env: Record<string, string>,
  deadlineMs = 90_000,
  binary: PlatformBinary = { bin: BIN, cwd: ROOT },
): Promise<Platform> {
  const child = spawn(
    process.execPath,
    [binary.bin, 'start', '--port', '0', '--proxy-port', '0', '--http-port', '0', ...args],
    {
      cwd: binary.cwd,
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  // Asked to stop, then killed if it has not within 10 s: a test never hangs on a platform that will not stop.
  const stop = () =>
    new Promise<number | null>((resolve) => {
      // Exited already (also when killed by a signal: then exitCode stays null and no 'exit' comes again).
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`border0 start printed no address in ${deadlineMs} ms:\n${out}`)),
      deadlineMs,
    );
    const check = () => {
      const match = out.match(/API:\s+(http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`border0 start exited with ${code}:\n${out}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { process: child, url, output: () => out, stop };
}
