/** Long-running child processes of a test (proxies, connectors, listeners), ready when their output says so. */
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, ROOT } from './border0-cli.js';
import { freePort } from './free-port.js';

/**
 * Starts `command ...args` (added to `children`, for the caller to stop) with this process's environment plus
 * `env`, and resolves once its output matches `ready`; rejects when it exits first or is not ready in 30 s.
 *
 * @example
 * const args = [BIN, 'proxy', 'start', '--token', token, '--name', 'p1'];
 * const proxy = await daemon(children, process.execPath, args, env, /proxy p1 listening/);
 */
export function daemon(
  children: ChildProcess[],
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready:\n${out}`)), 30_000);
    const check = (chunk: Buffer) => {
      out += chunk;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/**
 * `border0 client tls <socket> --listen` on a free port, through the proxy at `proxyPort` (else one the client
 * finds); resolves with the port once it listens.
 */
export async function clientListener(
  children: ChildProcess[],
  env: Record<string, string>,
  socket: string,
  proxyPort?: number,
): Promise<number> {
  const port = await freePort();
  const args = [BIN, 'client', 'tls', socket, '--listen', `127.0.0.1:${port}`];
  // Without a port, the client finds a live proxy by itself.
  if (proxyPort !== undefined) args.push('--proxy', `127.0.0.1:${proxyPort}`);
  await daemon(children, process.execPath, args, env, /is at 127\.0\.0\.1/);
  return port;
}
