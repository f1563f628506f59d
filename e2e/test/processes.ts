/** Real `border0` processes for end-to-end tests: started, read, waited on with deadlines, and always stopped. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/**
 * Starts `args` as a long-running child (added to `children`, for the caller to kill) and resolves once its
 * output matches `ready`.
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

export async function redisPing(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], {
    timeout: 10_000,
  });
  return stdout.trim();
}

/** Polls until `ok` holds, or fails after the deadline with the last answer. */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  deadlineMs: number,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < end) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${deadlineMs} ms: last ${JSON.stringify(last)} ${String(lastError ?? '')}`);
}

/** `border0 client tls <socket> --listen` on a free port, through the proxy at `proxyPort`; resolves with the port. */
export async function clientListener(
  children: ChildProcess[],
  env: Record<string, string>,
  socket: string,
  proxyPort: number,
): Promise<number> {
  const port = await freePort();
  const args = [
    BIN,
    'client',
    'tls',
    socket,
    '--listen',
    `127.0.0.1:${port}`,
    '--proxy',
    `127.0.0.1:${proxyPort}`,
  ];
  await daemon(children, process.execPath, args, env, /is at 127\.0\.0\.1/);
  return port;
}

/** Waits until redis answers PING through `port`. */
export function untilPong(port: number, deadlineMs: number): Promise<string> {
  return eventually(
    () => redisPing(port),
    (reply) => reply === 'PONG',
    deadlineMs,
  );
}

/**
 * A redis connection through `port` that has been answered once, so its session is live. `msUntilClosed()`
 * starts a clock and resolves with how long the connection then took to be closed (by the proxy).
 */
export async function liveRedisConnection(port: number): Promise<{ msUntilClosed(): Promise<number> }> {
  const socket = new Socket();
  let closedAt = 0;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedAt = Date.now();
      resolve();
    }),
  );
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  socket.write('PING\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  return {
    msUntilClosed() {
      const started = Date.now();
      return closed.then(() => closedAt - started);
    },
  };
}

/**
 * A person's login, as `border0 client login` gets one: a device login started over the API and approved on
 * the `/device` page with the person's email and password. Resolves with the access token.
 */
export async function personLogin(apiUrl: string, email: string, password: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(new URL(path, apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const start = (await (await post('/api/v1/auth/device', {})).json()) as {
    device_code: string;
    user_code: string;
  };
  const page = await fetch(new URL(`/device?user_code=${start.user_code}`, apiUrl));
  const csrf = (await page.text()).match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  const approved = await fetch(new URL('/device', apiUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]!,
    },
    body: new URLSearchParams({ csrf, user_code: start.user_code, email, password }).toString(),
  });
  if (approved.status !== 200) throw new Error(`approval of ${email} failed: ${await approved.text()}`);
  const token = await post('/api/v1/auth/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: start.device_code,
  });
  if (token.status !== 200) throw new Error(`login of ${email} failed: ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}
