/** Test support: a real server in the test process, and the real `border0` binary run as a child process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerHandle, startServer } from '@border0/server';
import { pino } from 'pino';

export const BIN = fileURLToPath(new URL('../bin/border0.js', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `border0 args...` with a clean BORDER0_* environment plus the given variables, and `input` on stdin. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<RunResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BORDER0_')));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...base, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `border0-${prefix}-`));
}

/** A loopback port nothing listens on (fetch refuses well-known "bad" ports such as 9, so pick a real one). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

export interface TestServer {
  server: ServerHandle;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dataDir = tempDir('data');
  const server = await startServer({
    dataDir,
    port: 0,
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });
  if (!server.bootstrap) throw new Error('a fresh data directory should bootstrap an organization');
  return {
    server,
    token: server.bootstrap.token,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
