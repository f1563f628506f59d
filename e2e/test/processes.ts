/** Real `border0` processes for end-to-end tests: started, read, waited on with deadlines, and always stopped. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../cli/bin/border0.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BORDER0_')));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `border0-e2e-${prefix}-`));
}

export interface Platform {
  process: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/** `border0 start ...` as a child process; resolves once it prints its API address. */
export async function startPlatform(
  args: string[],
  env: Record<string, string>,
  deadlineMs = 30_000,
): Promise<Platform> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--proxy-port', '0', ...args], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
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

export function border0(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...cleanEnv(), ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}
