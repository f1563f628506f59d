/**
 * Idle tunneled sessions: what each costs the proxy and the connector in memory, how fast new sessions open,
 * and how long one takes to open, with the platform deployed as a user deploys it (`border0 start
 * --no-proxy`, `border0 proxy start`, `border0 connector start`, each its own process).
 *
 *   pnpm bench idle-sessions [--sessions 1000,10000] [--concurrency 32]
 *
 * Sessions are TLS socket sessions opened by this process straight to the proxy with a client certificate
 * (what `border0 client tls` does), to an upstream (a child process) that accepts and stays silent: each is
 * a client connection on the proxy, a data connection between connector and proxy, and an upstream
 * connection on the connector. They open `--concurrency` at a time up to each count, then sit idle for 3 s
 * before the resident memory (VmRSS) of the proxy and the connector is read; per-session memory is the growth
 * from before the first session, divided by the sessions open (the proxy's after a full garbage collection:
 * garbage is not what sessions keep). Every session's time from connect to the
 * proxy's `OK` line is a sample of session setup; sessions per second is the opening rate of the last step.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { stopChild, waitUntil } from '@border0/testing';
import { clientCredentials } from './client-credentials.js';
import { deploy, residentBytes } from './deployment.js';
import { openProxySession } from './proxy-session.js';
import { emit, flag, profileArgs, type Row, row } from './report.js';

const sizesAt = process.argv.indexOf('--sessions');
const ASKED = (sizesAt === -1 ? '1000,10000' : process.argv[sizesAt + 1]!).split(',').map(Number);
if (ASKED.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error('--sessions takes counts, e.g. 1000,10000');
const concurrency = flag('concurrency', 32);
/**
 * Descriptors a process may hold here: root may raise a running process's soft limit up to the hard one, not
 * beyond it in a container without CAP_SYS_RESOURCE (20,000 on these machines).
 */
const HARD_LIMIT = Number(
  /^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1],
);
/** Two descriptors per session on the proxy (the client's, the data connection) and on the connector. */
const MAX_SESSIONS = Math.floor((HARD_LIMIT - 2048) / 2);
const SIZES = [...new Set(ASKED.map((n) => Math.min(n, MAX_SESSIONS)))];
const DESCRIPTORS = Math.min(HARD_LIMIT, Math.max(...SIZES) * 2 + 2048);

/** The child process: an upstream that accepts and holds connections silently. */
function runUpstream(): void {
  const held = new Set<Socket>();
  const server = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.once('disconnect', () => process.exit(0));
}

/** Lets `pid` hold `count` open files (root may raise a running process's limits up to the hard one). */
function allowDescriptors(pid: number | undefined, count = DESCRIPTORS): void {
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${count}:${count}`]);
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  allowDescriptors(process.pid);
  const work = mkdtempSync(join(tmpdir(), 'border0-bench-idle-'));
  const children: ChildProcess[] = [];
  const opened: TLSSocket[] = [];
  // The proxy writes its memory figures, after a full garbage collection when asked (memory-probe.cjs).
  const memoryFile = join(work, 'proxy-memory.json');
  const deployment = await deploy(work, {
    nodeArgs: profileArgs(),
    proxyNodeArgs: ['--expose-gc', '--require', fileURLToPath(new URL('memory-probe.cjs', import.meta.url))],
    proxyEnv: { BORDER0_SOAK_MEMORY_FILE: memoryFile },
  });
  /** The proxy's resident memory after a full garbage collection (garbage is not what sessions keep). */
  const proxyCollected = async () => {
    const collected = `${memoryFile}.collected`;
    rmSync(collected, { force: true });
    process.kill(deployment.proxy.pid!, 'SIGUSR2');
    await waitUntil(() => existsSync(collected), 10_000, 'the proxy to collect its garbage');
    const sample = JSON.parse(readFileSync(collected, 'utf8')) as {
      rss: number;
      heapUsed: number;
      external: number;
    };
    heaps.push({ heapUsed: sample.heapUsed, external: sample.external });
    return sample.rss;
  };
  /** The proxy's JavaScript heap and memory outside it (Buffers, TLS), after each collection. */
  const heaps: { heapUsed: number; external: number }[] = [];
  try {
    const upstream = fork(fileURLToPath(import.meta.url), ['--upstream'], { stdio: 'inherit' });
    children.push(upstream);
    allowDescriptors(upstream.pid);
    const upstreamPort = await new Promise<number>((resolve) =>
      upstream.once('message', (m) => resolve(m as number)),
    );
    const socket = await deployment.admin.post('/api/v1/sockets', {
      body: {
        name: 'idle',
        socket_type: 'tls',
        connector_ids: [deployment.connectorId],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: upstreamPort },
      },
    });
    await deployment.admin.post('/api/v1/policies', {
      body: {
        name: 'bench-idle',
        org_wide: true,
        document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
      },
    });
    const connector = await deployment.startConnector();
    allowDescriptors(deployment.proxy.pid);
    allowDescriptors(connector.pid);
    const credentials = await clientCredentials(deployment.api.url, deployment.adminToken);

    // One session opened and closed first: caches, code paths and the data connection pool are warm.
    (await openProxySession(deployment.proxyPort, socket.dnsname, credentials)).socket.destroy();
    await settle(3000);
    const base = { proxy: await proxyCollected(), connector: residentBytes(connector.pid) };
    const setupMs: number[] = [];
    const steps: { sessions: number; perSecond: number; proxy: number; connector: number }[] = [];
    for (const size of SIZES) {
      const begin = Date.now();
      const before = opened.length;
      const worker = async () => {
        while (opened.length < size) {
          const slot = opened.length;
          opened.push(undefined as unknown as TLSSocket);
          const { socket: session, marks } = await openProxySession(
            deployment.proxyPort,
            socket.dnsname,
            credentials,
          );
          opened[slot] = session;
          setupMs.push(Number(marks.status - marks.start) / 1e6);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const perSecond = ((size - before) * 1000) / (Date.now() - begin);
      await settle(3000);
      const step = {
        sessions: size,
        perSecond,
        proxy: await proxyCollected(),
        connector: residentBytes(connector.pid),
      };
      steps.push(step);
      console.log(
        `${size} idle sessions: proxy ${((step.proxy - base.proxy) / size / 1024).toFixed(1)} KiB each ` +
          `(RSS ${(step.proxy / 2 ** 20).toFixed(0)} MiB), connector ` +
          `${((step.connector - base.connector) / size / 1024).toFixed(1)} KiB each; ` +
          `${perSecond.toFixed(0)} sessions/s opening; the proxy's heap ` +
          `${((heaps.at(-1)!.heapUsed - heaps[0]!.heapUsed) / size / 1024).toFixed(1)} KiB and external ` +
          `${((heaps.at(-1)!.external - heaps[0]!.external) / size / 1024).toFixed(1)} KiB each`,
      );
    }

    const rows: Row[] = [row('session setup', 'border0', 'ms', setupMs, [0.5, 0.99])];
    for (const step of steps) {
      rows.push(
        row(`memory per idle session at ${step.sessions}`, 'proxy', 'KiB', [
          (step.proxy - base.proxy) / step.sessions / 1024,
        ]),
      );
      rows.push(
        row(`memory per idle session at ${step.sessions}`, 'connector', 'KiB', [
          (step.connector - base.connector) / step.sessions / 1024,
        ]),
      );
      rows.push(
        row(`new sessions per second up to ${step.sessions}`, 'border0', 'sessions/s', [step.perSecond]),
      );
    }
    const largest = steps.at(-1)!;
    const perSession = (largest.proxy - base.proxy) / largest.sessions / 1024;
    const capped =
      SIZES.join() === ASKED.join()
        ? ''
        : ` (asked ${ASKED.join(' and ')}; the descriptor limit here, ${HARD_LIMIT}, holds ${MAX_SESSIONS})`;
    emit({
      benchmark: 'idle-sessions',
      method:
        `TLS socket sessions opened ${concurrency} at a time straight to border0 proxy start with a client ` +
        `certificate, up to ${SIZES.join(' and ')}${capped}, to a silent upstream through border0 connector start; ` +
        "resident memory of each process 3 s after each step (the proxy's after a full garbage collection), " +
        'growth from before the first session divided by the sessions open.',
      rows,
      ratios: [
        {
          name: `proxy KiB per idle session at ${largest.sessions}`,
          value: Number(perSession.toFixed(1)),
          target: '≤ 20',
          met: perSession <= 20,
        },
      ],
      extra: { base_rss_bytes: base },
    });
  } catch (error) {
    writeFileSync(join(tmpdir(), 'border0-bench-idle-proxy.log'), deployment.proxyOutput());
    const log = deployment.proxyOutput().split('\n').slice(-15).join('\n');
    throw new Error(`${(error as Error).message}\nthe proxy's last lines:\n${log}`, { cause: error });
  } finally {
    for (const session of opened) session?.destroy();
    await Promise.all(children.map((child) => stopChild(child)));
    await deployment.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--upstream')) runUpstream();
else
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => process.exit());
