/**
 * TCP through a TLS socket against what a person would use instead, every part its own process on loopback:
 *
 *   direct   straight to the upstream
 *   ssh -L   an OpenSSH local forward through a local sshd (OpenSSH's default cipher)
 *   stunnel  a stunnel client → a stunnel server → the upstream (Debian's stunnel4, TLS 1.3)
 *   border0  `border0 client tls --listen` → `border0 proxy start` → data connection → `border0 connector
 *            start` → the upstream; the API is `border0 start --no-proxy`
 *
 *   pnpm bench tcp [--seconds 8] [--runs 3] [--connects 200] [--profile DIR]
 *
 * Bulk: iperf3 (`-l 128K`, `--seconds`) upload (client → upstream) and download (`-R`), the receiver's
 * rate; runs alternate between the paths so that drift hits all alike. First byte: a new TCP connection to
 * the local end of each path until the upstream's first byte (it writes one on accept), `--connects` times
 * per path, interleaved; through border0 the client already holds its certificate (as after its first use).
 * CPU: seconds each border0 process spent per GB moved in bulk.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SSHD_TEST_USER, startSshd, stopChild, waitUntil } from '@border0/testing';
import { cpuSeconds, deploy } from './deployment.js';
import { killGroup } from './process-control.js';
import { type BenchReport, emit, flag, profileArgs, type Row, ratio, row } from './report.js';

const seconds = flag('seconds', 8);
const runs = flag('runs', 3);
const connects = flag('connects', 200);

const PATHS = ['direct', 'ssh -L', 'stunnel', 'border0'] as const;
type PathName = (typeof PATHS)[number];
interface Ends {
  iperf: number;
  hello: number;
}

const undo: (() => unknown)[] = [];
const children: ChildProcess[] = [];

/** Whether something listens on 127.0.0.1:`port` (from /proc, without connecting to it). */
function listening(port: number): boolean {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((line) => line.includes(` ${hex} `) && line.split(/\s+/)[4] === '0A');
}

function waitListening(ports: number[], what: string): Promise<unknown> {
  return waitUntil(() => ports.every(listening), 20_000, `${what} to listen on ${ports.join(', ')}`);
}

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${command} exited (${code ?? signal}): ${err.trim()}`);
  });
  children.push(child);
  return child;
}
let stopping = false;

/** iperf3's server (one per path: each takes one test at a time and may still be closing the last). */
async function iperfServer(): Promise<number> {
  const port = await freePort();
  start('iperf3', ['-s', '-p', String(port), '-B', '127.0.0.1']);
  await waitListening([port], 'iperf3');
  return port;
}

/** Two upstreams: iperf3's server, and one that writes a byte on accept. */
async function startUpstreams(): Promise<Ends> {
  const iperf = await iperfServer();
  const hello: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end('h');
  });
  await new Promise<void>((resolve) => hello.listen(0, '127.0.0.1', resolve));
  undo.push(() => hello.close());
  return { iperf, hello: (hello.address() as { port: number }).port };
}

async function sshForward(work: string, upstream: Ends): Promise<Ends> {
  const key = join(work, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const sshd = await startSshd({ authorizedKeys: [readFileSync(`${key}.pub`, 'utf8').trim()] });
  undo.push(() => sshd.stop());
  const local = { iperf: await freePort(), hello: await freePort() };
  start('ssh', [
    '-N',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ExitOnForwardFailure=yes',
    '-L',
    `127.0.0.1:${local.iperf}:127.0.0.1:${upstream.iperf}`,
    '-L',
    `127.0.0.1:${local.hello}:127.0.0.1:${upstream.hello}`,
    '-p',
    String(sshd.port),
    `${SSHD_TEST_USER}@127.0.0.1`,
  ]);
  await waitListening([local.iperf, local.hello], 'ssh -L');
  return local;
}

async function stunnel(work: string, upstream: Ends): Promise<Ends> {
  const key = join(work, 'stunnel.key');
  const cert = join(work, 'stunnel.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const server = { iperf: await freePort(), hello: await freePort() };
  const local = { iperf: await freePort(), hello: await freePort() };
  const config = (name: string, lines: string[]) => {
    const file = join(work, `${name}.conf`);
    writeFileSync(file, ['foreground = yes', 'pid =', 'debug = 3', ...lines, ''].join('\n'));
    return file;
  };
  const service = (name: keyof Ends, accept: number, connect: number, extra: string[]) => [
    `[${name}]`,
    `accept = 127.0.0.1:${accept}`,
    `connect = 127.0.0.1:${connect}`,
    ...extra,
  ];
  start('stunnel', [
    config('stunnel-server', [
      `cert = ${cert}`,
      `key = ${key}`,
      ...service('iperf', server.iperf, upstream.iperf, []),
      ...service('hello', server.hello, upstream.hello, []),
    ]),
  ]);
  // The client verifies the server's certificate, as a careful user configures it.
  const verify = [`CAfile = ${cert}`, 'verifyPeer = yes'];
  start('stunnel', [
    config('stunnel-client', [
      'client = yes',
      ...service('iperf', local.iperf, server.iperf, verify),
      ...service('hello', local.hello, server.hello, verify),
    ]),
  ]);
  await waitListening([server.iperf, server.hello, local.iperf, local.hello], 'stunnel');
  return local;
}

interface Border0 extends Ends {
  pids: Record<'proxy' | 'connector' | 'client', (number | undefined)[]>;
}

async function border0(work: string, upstream: Ends): Promise<Border0> {
  const deployment = await deploy(join(work, 'border0'), { nodeArgs: profileArgs() });
  undo.push(() => deployment.stop());
  for (const name of ['iperf', 'hello'] as const) {
    await deployment.admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'tls',
        connector_ids: [deployment.connectorId],
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: upstream[name] },
      },
    });
  }
  await deployment.admin.post('/api/v1/policies', {
    body: {
      name: 'bench-tcp',
      org_wide: true,
      document: { permissions: { tls: {} }, condition: { who: { email: ['admin@localhost'] } } },
    },
  });
  const connector = await deployment.startConnector();
  const iperf = await deployment.listen('iperf');
  const hello = await deployment.listen('hello');
  return {
    iperf: iperf.port,
    hello: hello.port,
    pids: {
      proxy: [deployment.proxy.pid],
      connector: [connector.pid],
      client: [iperf.child.pid, hello.child.pid],
    },
  };
}

/** One iperf3 test through `port`: the receiver's bytes per second, and the bytes moved. */
function iperf(port: number, direction: 'upload' | 'download', duration: number) {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(duration), '-l', '128K', '-J'];
  if (direction === 'download') args.push('-R');
  for (let attempt = 0; ; attempt++) {
    let out: string;
    try {
      out = execFileSync('iperf3', args, { encoding: 'utf8', timeout: (duration + 30) * 1000 });
    } catch (error) {
      // iperf3 exits 1 and still prints its JSON on failure.
      out = String((error as { stdout?: string }).stdout ?? '');
      if (!out) throw error;
    }
    const result = JSON.parse(out) as {
      error?: string;
      end?: { sum_received?: { bits_per_second: number; bytes: number } };
    };
    // The server takes one test at a time and may still be closing the last one.
    if (/busy|closed unexpectedly/.test(result.error ?? '') && attempt < 50) {
      if (!result.error!.includes('busy'))
        console.error(`  (iperf3 through port ${port}: ${result.error}; again)`);
      sleepSync(200);
      continue;
    }
    const received = result.end?.sum_received;
    if (result.error || !received) throw new Error(`iperf3 through port ${port}: ${result.error ?? out}`);
    return { bytesPerSecond: received.bits_per_second / 8, bytes: received.bytes };
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Milliseconds from connect until the upstream's byte is in hand. */
function firstByte(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint();
    const socket = tcpConnect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no first byte through port ${port} in 10 s`));
    }, 10_000);
    socket.once('data', () => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - begin) / 1e6;
      socket.destroy();
      resolve(ms);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function push(lists: Record<string, number[]>, key: string, value: number): void {
  lists[key] = [...(lists[key] ?? []), value];
}

const groupCpu = (pids: (number | undefined)[]) =>
  pids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'border0-bench-tcp-'));
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  const upstream = await startUpstreams();
  const b0 = await border0(work, { ...upstream, iperf: await iperfServer() });
  const ends: Record<PathName, Ends> = {
    direct: upstream,
    'ssh -L': await sshForward(work, { ...upstream, iperf: await iperfServer() }),
    stunnel: await stunnel(work, { ...upstream, iperf: await iperfServer() }),
    border0: b0,
  };

  // Warm-up: one short test per path (the first session also fills caches on the proxy).
  for (const path of PATHS) iperf(ends[path].iperf, 'upload', 1);

  const bulk: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let run = 0; run < runs; run++) {
    for (const direction of ['upload', 'download'] as const) {
      // A different order each run.
      const order = PATHS.map((_, i) => PATHS[(i + run) % PATHS.length]!);
      for (const path of order) {
        const before = Object.fromEntries(
          Object.entries(b0.pids).map(([name, pids]) => [name, groupCpu(pids)]),
        );
        const measured = iperf(ends[path].iperf, direction, seconds);
        push(bulk, `${direction}:${path}`, measured.bytesPerSecond);
        if (path === 'border0') {
          for (const [name, pids] of Object.entries(b0.pids)) {
            const used = groupCpu(pids) - before[name]!;
            push(cpu, `${direction}:${name}`, used / (measured.bytes / 1e9));
          }
        }
        console.error(`  ${direction} ${path}: ${((measured.bytesPerSecond * 8) / 1e9).toFixed(2)} Gbit/s`);
      }
    }
  }

  const latency: Record<PathName, number[]> = { direct: [], 'ssh -L': [], stunnel: [], border0: [] };
  for (const path of PATHS) await firstByte(ends[path].hello);
  for (let i = 0; i < connects; i++) {
    for (const path of PATHS) latency[path].push(await firstByte(ends[path].hello));
  }

  const rows: Row[] = [];
  for (const direction of ['upload', 'download'] as const) {
    for (const path of PATHS) {
      rows.push(
        row(
          `bulk ${direction}`,
          path,
          'Gbit/s',
          bulk[`${direction}:${path}`]!.map((b) => (b * 8) / 1e9),
        ),
      );
    }
  }
  for (const path of PATHS) rows.push(row('first byte', path, 'ms', latency[path], [0.5, 0.99]));

  const report: BenchReport = {
    benchmark: 'tcp',
    method:
      `iperf3 -l 128K for ${seconds} s per run, ${runs} runs per direction and path, paths alternating; ` +
      `first byte of a new connection, ${connects} per path, interleaved. Every part its own process on ` +
      'loopback: border0 client tls --listen → border0 proxy start → data connection → border0 connector ' +
      'start; ssh -L through a local sshd; a stunnel client and server (TLS 1.3, peer verified).',
    rows,
    ratios: [
      ratio(rows, 'bulk upload', 'border0', 'ssh -L', '≥ 1.0'),
      ratio(rows, 'bulk download', 'border0', 'ssh -L', '≥ 1.0'),
      ratio(rows, 'bulk upload', 'border0', 'stunnel'),
      ratio(rows, 'bulk download', 'border0', 'stunnel'),
      ratio(rows, 'bulk upload', 'border0', 'direct'),
      ratio(rows, 'bulk download', 'border0', 'direct'),
      ratio(rows, 'first byte', 'border0', 'ssh -L'),
      ratio(rows, 'first byte', 'border0', 'direct'),
    ],
    extra: {
      first_byte_border0_p50_ms_target: '≤ 3',
      first_byte_border0_p50_ms: rows.find((r) => r.measurement === 'first byte' && r.path === 'border0')!
        .percentiles!.p50,
      cpu_seconds_per_gb: Object.fromEntries(
        Object.entries(cpu).map(([key, values]) => [
          key,
          Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)),
        ]),
      ),
    },
  };
  console.log('\nbulk (Gbit/s, median of runs; min–max):');
  for (const r of rows.filter((r) => r.measurement.startsWith('bulk'))) {
    console.log(`  ${r.measurement.padEnd(14)} ${r.path.padEnd(8)} ${r.median} (${r.min}–${r.max})`);
  }
  console.log('first byte (ms, p50 / p99):');
  for (const r of rows.filter((r) => r.measurement === 'first byte')) {
    console.log(`  ${r.path.padEnd(8)} ${r.percentiles!.p50} / ${r.percentiles!.p99}`);
  }
  for (const r of report.ratios)
    console.log(`  ${r.name}: ${r.value}${r.target ? ` (target ${r.target})` : ''}`);
  console.log('border0 CPU seconds per GB:', JSON.stringify(report.extra!.cpu_seconds_per_gb));
  emit(report);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    stopping = true;
    for (const child of children) killGroup(child, 'SIGTERM');
    await Promise.all(children.map((child) => stopChild(child)));
    for (const step of undo.reverse()) await step();
    process.exit();
  });
