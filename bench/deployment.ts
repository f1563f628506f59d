/**
 * The platform deployed as a user deploys it, for benchmarks: the API (`border0 start --no-proxy`, PGlite),
 * `border0 proxy start` and `border0 connector start`, each its own process of the built CLI, on loopback.
 * Sockets and policies are made through the SDK before the connector starts (it serves what exists).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Border0Client, createClient } from '@border0/sdk';
import { BIN, daemon, freePort, type Platform, startPlatform, stopChild } from '@border0/testing';

/** `border0 start` on a machine busy with other work may take long to migrate its store: never a failure. */
export const START_DEADLINE_MS = 120_000;

export interface Deployment {
  api: Platform;
  admin: Border0Client;
  adminToken: string;
  /** For the CLI: its config directory, the API and the proxy. */
  env: Record<string, string>;
  proxyPort: number;
  proxy: ChildProcess;
  /** What the proxy wrote so far (its log), for a benchmark's error message. */
  proxyOutput(): string;
  connectorId: string;
  /** Starts the connector (once the sockets it serves exist). */
  startConnector(): Promise<ChildProcess>;
  /** `border0 client tls <socket> --listen` on a free port: the port. */
  listen(socket: string): Promise<{ port: number; child: ChildProcess }>;
  stop(): Promise<void>;
}

/**
 * `nodeArgs` go before the CLI on each border0 process (e.g. `--cpu-prof`); `proxyArgs` after `proxy start`
 * (e.g. `--http-port`); `proxyNodeArgs` and `proxyEnv` for the proxy alone (e.g. the memory probe).
 */
export async function deploy(
  work: string,
  options: {
    nodeArgs?: string[];
    proxyArgs?: string[];
    proxyNodeArgs?: string[];
    proxyEnv?: Record<string, string>;
    /** For every border0 process, e.g. `BORDER0_LOG_LEVEL`. */
    env?: Record<string, string>;
  } = {},
): Promise<Deployment> {
  const nodeArgs = options.nodeArgs ?? [];
  const daemons: ChildProcess[] = [];
  const env: Record<string, string> = { ...options.env, BORDER0_CONFIG_DIR: join(work, 'config') };
  const api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env, START_DEADLINE_MS);
  const stop = async () => {
    await Promise.all(daemons.map((child) => stopChild(child)));
    await api.stop();
  };
  try {
    env.BORDER0_API_URL = api.url;
    const adminToken = readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim();
    const admin = createClient({ baseUrl: api.url, token: adminToken });
    const proxyPort = await freePort();
    const proxyToken = readFileSync(join(work, 'data', 'proxy-token'), 'utf8').trim();
    const proxy = await daemon(
      daemons,
      process.execPath,
      [
        ...nodeArgs,
        ...(options.proxyNodeArgs ?? []),
        BIN,
        'proxy',
        'start',
        '--token',
        proxyToken,
        '--port',
        String(proxyPort),
        '--name',
        'bench',
        ...(options.proxyArgs ?? []),
      ],
      { ...env, ...options.proxyEnv },
      /proxy bench listening/,
    );
    env.BORDER0_PROXY = `127.0.0.1:${proxyPort}`;
    const connector = await admin.post('/api/v1/connectors', { body: { name: 'bench' } });
    const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'bench' },
    });
    return {
      api,
      admin,
      adminToken,
      env,
      proxyPort,
      proxy: proxy.child,
      proxyOutput: proxy.output,
      connectorId: connector.id,
      startConnector: async () =>
        (
          await daemon(
            daemons,
            process.execPath,
            [...nodeArgs, BIN, 'connector', 'start', '--token', token],
            env,
            /connector bench serves/,
          )
        ).child,
      listen: async (socket) => {
        const port = await freePort();
        const listener = await daemon(
          daemons,
          process.execPath,
          [...nodeArgs, BIN, 'client', 'tls', socket, '--listen', `127.0.0.1:${port}`],
          env,
          /is at 127\.0\.0\.1/,
        );
        return { port, child: listener.child };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident memory of a process in bytes, from /proc. */
export function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Linux's USER_HZ: 100 on every architecture Node runs on here. */
const CLOCK_TICKS = 100;
