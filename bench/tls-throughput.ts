/**
 * TLS socket throughput: bulk bytes per second through the whole data plane (client TLS to the proxy → the
 * connector's data connection (TLS; or, with `--data-connections 0`, the tunnel's SSH channels) → the connector → the upstream) against a direct TCP connection to the same
 * upstream, both directions, and the time to the first byte of a new connection (connect + TLS + policy +
 * session + channel open) against a direct connect. All on loopback in one run: the API (in-memory store),
 * the proxy, the connector and the client share this process; the upstreams run in a child process.
 *
 *   pnpm --filter @border0/bench run tls-throughput [--mb 256] [--runs 3] [--connects 50] [--data-connections 4]
 *
 * Upstreams: `download` streams --mb MB of pseudo-random data (a 1 MB buffer, repeated) once the client has
 * sent one byte, then ends; `upload` sinks --mb MB and answers with the byte count; `hello` sends one byte on
 * accept. MB = 1,048,576 bytes.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startConnector } from '@border0/connector';
import { startProxy } from '@border0/proxies';
import { createClient } from '@border0/sdk';
import { startServer } from '@border0/server';
import { waitUntil } from '@border0/testing';
import { pino } from 'pino';
import { clientCredentials } from './client-credentials.js';
import { openProxySession } from './proxy-session.js';
import { median } from './stats.js';

const MB = 1024 * 1024;
/** `--data-connections 0` carries client bytes in the tunnel's SSH channels instead (to compare). */
const dataAt = process.argv.indexOf('--data-connections');
const DATA_CONNECTIONS = dataAt === -1 ? 4 : Number(process.argv[dataAt + 1]);
const CHUNK = 64 * 1024;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const bytes = flag('mb', 256) * MB;
const runs = flag('runs', 3);
const connects = flag('connects', 50);
/** 1 MB of pseudo-random data, sent over and over (so no compression anywhere could flatter the figures). */
const pattern = randomBytes(MB);

interface Ports {
  download: number;
  upload: number;
  hello: number;
}

/** Resolves once `socket` can take more (or is gone). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/** Writes `total` bytes of the pattern with backpressure. */
async function sendPattern(socket: Socket, total: number): Promise<void> {
  let offset = 0;
  for (let left = total; left > 0 && !socket.destroyed; ) {
    const size = Math.min(CHUNK, left, pattern.length - offset);
    const chunk = pattern.subarray(offset, offset + size);
    offset = (offset + size) % pattern.length;
    left -= size;
    if (!socket.write(chunk)) await drained(socket);
  }
}

/** The child process: three upstreams on loopback; their ports go to the parent. */
async function runUpstreams(): Promise<void> {
  const listen = (onConnection: (socket: Socket) => void) =>
    new Promise<number>((resolve) => {
      const server = createServer((socket) => {
        socket.on('error', () => {});
        onConnection(socket);
      });
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const ports: Ports = {
    download: await listen((socket) =>
      socket.once('data', () => void sendPattern(socket, bytes).then(() => socket.end())),
    ),
    upload: await listen((socket) => {
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes && socket.writable) socket.end(`${received}\n`);
      });
    }),
    hello: await listen((socket) => socket.write('h')),
  };
  process.send!(ports);
  process.once('disconnect', () => process.exit(0));
}

/** A connection ready for the benchmark's own bytes, and any that arrived with its opening. */
interface Opened {
  socket: Socket;
  early: Buffer;
  /** Through the proxy: when the TLS handshake completed and when the status line arrived. */
  marks?: { handshake: bigint; status: bigint };
}

function openDirect(port: number): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({ socket, early: Buffer.alloc(0) });
    });
  });
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Seconds from the client's go byte until the upstream's end, after exactly `bytes` arrived. */
async function download(open: () => Promise<Opened>): Promise<number> {
  const { socket, early } = await open();
  let received = early.length;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.once('end', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${received} of ${bytes} bytes`)));
    socket.write('g');
    socket.resume();
  });
  const elapsed = seconds(start);
  socket.destroy();
  if (received !== bytes) throw new Error(`download received ${received} of ${bytes} bytes`);
  return elapsed;
}

/** Seconds from the first byte sent until the upstream acknowledged all `bytes`. */
async function upload(open: () => Promise<Opened>): Promise<number> {
  const { socket, early } = await open();
  let answer = early.toString('utf8');
  const acknowledged = new Promise<number>((resolve, reject) => {
    const check = () => {
      if (answer.includes('\n')) resolve(Number(answer.trim()));
    };
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      check();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the acknowledgement')));
    check();
  });
  socket.resume();
  const start = process.hrtime.bigint();
  await sendPattern(socket, bytes);
  const count = await acknowledged;
  const elapsed = seconds(start);
  socket.destroy();
  if (count !== bytes) throw new Error(`upload acknowledged ${count} of ${bytes} bytes`);
  return elapsed;
}

interface FirstByte {
  /** Milliseconds from the connect call until the upstream's first byte is in hand. */
  ms: number;
  /** Through the proxy: milliseconds until the TLS handshake completed and until the status line arrived. */
  handshakeMs?: number;
  statusMs?: number;
}

async function firstByte(open: () => Promise<Opened>): Promise<FirstByte> {
  const start = process.hrtime.bigint();
  const { socket, early, marks } = await open();
  if (early.length === 0) {
    await new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
      socket.resume();
    });
  }
  const ms = seconds(start) * 1000;
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
  if (!marks) return { ms };
  return {
    ms,
    handshakeMs: Number(marks.handshake - start) / 1e6,
    statusMs: Number(marks.status - start) / 1e6,
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const upstreamProcess = fork(fileURLToPath(import.meta.url), ['--upstream', ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<Ports>((resolve, reject) => {
    upstreamProcess.once('message', (message) => resolve(message as Ports));
    upstreamProcess.once('exit', (code) => reject(new Error(`the upstream process exited with ${code}`)));
  });

  const silent = pino({ level: 'silent' });
  const server = await startServer({ dataDir: 'memory://', port: 0, logger: silent, defaultMetrics: false });
  const adminToken = server.bootstrap!.token;
  const admin = createClient({ baseUrl: server.url, token: adminToken });
  const proxy = await startProxy({
    apiUrl: server.url,
    token: server.proxyToken!,
    name: 'bench',
    host: '127.0.0.1',
    port: 0,
    baseDomain: 'localhost',
    log: silent,
  });
  const lab = await admin.post('/api/v1/connectors', { body: { name: 'bench' } });
  const connectorToken = (
    await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: lab.id } },
      body: { name: 'bench' },
    })
  ).token;
  const dnsnames = {} as Record<keyof Ports, string>;
  for (const name of ['download', 'upload', 'hello'] as const) {
    const socket = await admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'tls',
        connector_ids: [lab.id],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: ports[name] },
      },
    });
    dnsnames[name] = socket.dnsname;
  }
  await admin.post('/api/v1/policies', {
    body: {
      name: 'bench-for-admin',
      org_wide: true,
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  const connector = await startConnector({
    apiUrl: server.url,
    token: connectorToken,
    log: silent,
    dataConnections: DATA_CONNECTIONS,
  });
  await waitUntil(
    () => Object.values(dnsnames).every((d) => proxy.tunnels.serves(d)),
    15_000,
    'the connector tunnel',
  );
  const credentials = await clientCredentials(server.url, adminToken);

  const direct = (name: keyof Ports) => () => openDirect(ports[name]);
  const path = (name: keyof Ports) => () => openProxySession(proxy.port, dnsnames[name], credentials);

  console.log(
    `TLS socket throughput on loopback, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ` +
      `${bytes / MB} MB per transfer, median of ${runs}`,
  );
  console.log(
    '  one process holds the client, the proxy, the connector and the API (in-memory store); the upstreams ' +
      'run in a child process',
  );
  console.log(
    '  path = client TLS → proxy → tunnel (TLS + SSH) → connector → upstream; direct = TCP to upstream',
  );
  const mbps = (elapsed: number) => bytes / MB / elapsed;
  const show = (rates: number[]) => rates.map((r) => r.toFixed(0)).join(', ');
  for (const [direction, transfer] of [
    ['download', download],
    ['upload', upload],
  ] as const) {
    const directRates: number[] = [];
    const pathRates: number[] = [];
    // Alternate, so that drift (thermal, other load) hits both alike.
    for (let run = 0; run < runs; run++) {
      directRates.push(mbps(await transfer(direct(direction))));
      pathRates.push(mbps(await transfer(path(direction))));
    }
    const d = median(directRates);
    const p = median(pathRates);
    console.log(
      `${direction.padEnd(8)}  direct ${d.toFixed(1).padStart(8)} MB/s  (runs ${show(directRates)})`,
    );
    console.log(
      `${''.padEnd(8)}  path   ${p.toFixed(1).padStart(8)} MB/s  (runs ${show(pathRates)})` +
        `  ${(p / d).toFixed(3)}× direct`,
    );
  }

  // The first connections fill the proxy's caches (socket directory, policies); count only warm ones.
  for (let i = 0; i < 5; i++) {
    await firstByte(direct('hello'));
    await firstByte(path('hello'));
  }
  const directMs: number[] = [];
  const pathRuns: FirstByte[] = [];
  for (let i = 0; i < connects; i++) {
    directMs.push((await firstByte(direct('hello'))).ms);
    pathRuns.push(await firstByte(path('hello')));
  }
  const pathMs = pathRuns.map((r) => r.ms);
  const d = median(directMs);
  const p = median(pathMs);
  const ms = (value: number) => `${value.toFixed(3).padStart(8)} ms`;
  console.log(`first byte of a new connection, median of ${connects} (p90 in parentheses):`);
  console.log(`          direct ${ms(d)}  (${quantile(directMs, 0.9).toFixed(3)} ms)  TCP connect`);
  console.log(
    `          path   ${ms(p)}  (${quantile(pathMs, 0.9).toFixed(3)} ms)  ${(p / d).toFixed(1)}× direct: ` +
      'TLS with client certificate, policy, session report, channel open, upstream connect',
  );
  console.log(
    `            of which: TLS handshake done at ${median(pathRuns.map((r) => r.handshakeMs!)).toFixed(3)} ms, ` +
      `status line at ${median(pathRuns.map((r) => r.statusMs!)).toFixed(3)} ms (medians)`,
  );

  await connector.close();
  await proxy.close();
  await server.close();
  upstreamProcess.disconnect();
}

if (process.argv.includes('--upstream')) await runUpstreams();
else await main();
