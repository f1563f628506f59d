/**
 * wrk through an HTTP socket against the ways a person would reach the web app otherwise, every part its own
 * process on loopback, in one run:
 *
 *   direct   wrk straight to the upstream
 *   nginx    through nginx as a reverse proxy (Debian's package, its own config in a temp dir, `daemon off`,
 *            `worker_processes auto` as Debian ships it, keep-alive connections to the upstream)
 *   node     the reverse proxy library of HTTP sockets (http-proxy-3, keep-alive agent) alone in one Node
 *            process (http-proxy-baseline.ts): no tunnel, no identity; what Node costs, against nginx
 *   border0  the proxy's HTTP listener (`border0 proxy start --http-port`) → tunnel → connector
 *            (`border0 connector start`) → upstream, with a service account's token in `Authorization`; a
 *            policy allows it, every request is decided (decisions cached a few seconds) and access-logged
 *
 * The upstream is nginx serving static files (one worker, sendfile, no access log): measured here, it answers
 * small requests several times faster than a Node `http` server does on one core, so what is measured is
 * the path in front of it, not the upstream (`--upstream node` runs the Node server instead, to compare).
 *
 *   pnpm --filter @border0/bench run http [--seconds 5] [--runs 3] [--upstream nginx|node] [--only CASE]
 *     [--profile DIR]
 *
 * Each measurement is `wrk -t 2` for `--seconds` with -c 1 and -c 32, for a 100-byte and a 1 MB response;
 * runs alternate between the paths so drift hits all alike; the median requests/s of `--runs` is reported
 * with the ratios border0/direct, border0/nginx, border0/node and node/nginx. wrk, nginx and border0 share the machine's cores: the
 * figures are what this machine gives, as ratios.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { border0, daemon, freePort, stopChild } from '@border0/testing';
import { deploy } from './deployment.js';
import { emit, profileArgs, ratio, row } from './report.js';
import { median, round } from './stats.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const seconds = flag('seconds', 5);
const runs = flag('runs', 3);
/** `--only TEXT`: only the cases whose name contains it (`--only "100 B -c 32"`), say to profile one. */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? '' : (process.argv[onlyAt + 1] ?? '');
const upstreamAt = process.argv.indexOf('--upstream');
const upstreamKind = upstreamAt === -1 ? 'nginx' : process.argv[upstreamAt + 1];
if (upstreamKind !== 'nginx' && upstreamKind !== 'node') throw new Error('--upstream must be nginx or node');
/** `--profile DIR`: border0's processes write CPU profiles (`node --cpu-prof`) there when they exit. */
const NODE_ARGS = profileArgs();
const PATHS = ['direct', 'nginx', 'node', 'border0'] as const;
type PathName = (typeof PATHS)[number];
const SIZES = { '100 B': 100, '1 MB': 1024 * 1024 } as const;
const CONNECTIONS = [1, 32] as const;
const HOST = 'web-local.localhost';

const undo: (() => unknown)[] = [];
const daemons: ChildProcess[] = [];

/** Fails loudly when a tool the bench drives is not installed (scripts/ensure-packages.sh installs them). */
function need(tool: string, path: string): string {
  // Only whether it runs at all: `wrk -v` exits non-zero after printing its version.
  if (!spawnSync(path, ['-v'], { stdio: 'ignore' }).error) return path;
  throw new Error(`${tool} is missing (${path}): run scripts/ensure-packages.sh as root`);
}

interface Target {
  port: number;
  headers: string[];
}

/** wrk's requests per second and its socket errors (timeouts are counted); a non-2xx answer fails the bench. */
function wrk(target: Target, path: string, connections: number, duration: number): Measure {
  const out = execFileSync(
    'wrk',
    [
      '-t',
      String(Math.min(2, connections)),
      '-c',
      String(connections),
      '-d',
      `${duration}s`,
      ...target.headers.flatMap((header) => ['-H', header]),
      `http://127.0.0.1:${target.port}${path}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  ).toString();
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  if (!rps || /Non-2xx/.test(out)) throw new Error(`wrk on port ${target.port} said:\n${out}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps: Number(rps), errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0 };
}

interface Measure {
  rps: number;
  errors: number;
}

/** Resolves once `port` answers `path` with 200 (through everything in front of it). */
async function waitFor(target: Target, path: string, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  // node:http, not fetch: fetch will not send the Host header the proxy routes by.
  const headers = Object.fromEntries(
    target.headers.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()]),
  );
  for (;;) {
    const status = await new Promise<number | string>((resolve) => {
      get({ host: '127.0.0.1', port: target.port, path, headers, agent: false }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      }).once('error', (error) => resolve(error.message));
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${what} never answered: ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function nginxConfig(dir: string, workers: string, server: string[]): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (kind) => `  ${kind}_temp_path ${join(dir, `${kind}-temp`)};`,
  );
  return [
    `worker_processes ${workers};`,
    'daemon off;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  tcp_nodelay on;',
    '  keepalive_requests 1000000;',
    ...temp,
    ...server.map((line) => `  ${line}`),
    '}',
    '',
  ].join('\n');
}

/** nginx as a child process with its own config in `dir`; resolves once it listens on `port`. */
async function startNginx(nginx: string, dir: string, config: string, port: number, path: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child = spawn(nginx, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  daemons.push(child);
  await waitFor({ port, headers: [] }, path, `nginx in ${dir}`);
}

async function main() {
  need('wrk', 'wrk');
  const nginx = need('nginx', '/usr/sbin/nginx');
  const work = mkdtempSync(join(tmpdir(), 'border0-bench-http-'));
  // nginx's workers run as nobody: they must read the files.
  chmodSync(work, 0o755);
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  const www = join(work, 'www');
  mkdirSync(www);
  for (const [name, bytes] of Object.entries(SIZES))
    writeFileSync(join(www, fileOf(name)), 'x'.repeat(bytes));

  const ports = {} as Record<PathName, number>;
  const upstreamPort = await freePort();
  if (upstreamKind === 'nginx') {
    await startNginx(
      nginx,
      join(work, 'upstream'),
      nginxConfig(join(work, 'upstream'), '1', [
        `server { listen 127.0.0.1:${upstreamPort}; root ${www}; location / { } }`,
      ]),
      upstreamPort,
      `/${fileOf('100 B')}`,
    );
  } else {
    const bodies = new Map(
      Object.keys(SIZES).map((name) => [`/${fileOf(name)}`, readFileSync(join(www, fileOf(name)))]),
    );
    const app = createServer((request, response) => {
      const body = bodies.get(request.url ?? '');
      response.writeHead(body ? 200 : 404, { 'content-length': body?.length ?? 0 });
      response.end(body);
    });
    await new Promise<void>((resolve) => app.listen(upstreamPort, '127.0.0.1', resolve));
    undo.push(() => app.close());
  }
  ports.direct = upstreamPort;

  ports.nginx = await freePort();
  await startNginx(
    nginx,
    join(work, 'nginx'),
    nginxConfig(join(work, 'nginx'), 'auto', [
      `upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }`,
      `server { listen 127.0.0.1:${ports.nginx}; location / {`,
      '  proxy_pass http://app;',
      '  proxy_http_version 1.1;',
      '  proxy_set_header Connection "";',
      // nginx sets no X-Forwarded-* unless told; border0 sets them: the same work on both sides.
      '  proxy_set_header X-Forwarded-For $remote_addr;',
      '  proxy_set_header X-Forwarded-Proto $scheme;',
      '  proxy_set_header X-Forwarded-Host $host;',
      '} }',
    ]),
    ports.nginx,
    `/${fileOf('100 B')}`,
  );

  ports.node = await freePort();
  await daemon(
    daemons,
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      join(import.meta.dirname, 'http-proxy-baseline.ts'),
      String(ports.node),
      String(upstreamPort),
    ],
    {},
    /http-proxy-3 listening/,
  );

  // border0: API, proxy (with its loopback HTTP listener) and connector as their own processes.
  ports.border0 = await freePort();
  const deployment = await deploy(work, {
    nodeArgs: NODE_ARGS,
    proxyArgs: ['--http-port', String(ports.border0)],
    env: { BORDER0_LOG_LEVEL: 'warn' },
  });
  undo.push(() => deployment.stop());
  const { admin, env } = deployment;
  await admin.post('/api/v1/sockets', {
    body: {
      name: 'web',
      socket_type: 'http',
      connector_ids: [deployment.connectorId],
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: upstreamPort },
    },
  });
  const account = await border0(['service-account', 'create', 'bench', '--role', 'client'], env);
  if (account.code !== 0) throw new Error(account.stderr);
  const created = await border0(['service-account', 'token', 'create', 'bench', '--output', 'json'], env);
  if (created.code !== 0) throw new Error(created.stderr);
  const bearer = (JSON.parse(created.stdout) as { token: string }).token;
  await admin.post('/api/v1/policies', {
    body: {
      name: 'web-for-bench',
      org_wide: true,
      document: { permissions: { http: {} }, condition: { who: { service_account: ['bench'] } } },
    },
  });
  await deployment.startConnector();

  const targets: Record<PathName, Target> = {
    direct: { port: ports.direct, headers: [] },
    nginx: { port: ports.nginx, headers: [] },
    node: { port: ports.node, headers: [] },
    border0: {
      port: ports.border0,
      headers: [`Host: ${HOST}:${ports.border0}`, `Authorization: Bearer ${bearer}`],
    },
  };
  await waitFor(targets.border0, `/${fileOf('100 B')}`, 'border0');
  console.error('ports', JSON.stringify(ports));
  // A short warm-up of each path (JIT, pooled upstream connections) before anything is counted.
  for (const path of PATHS) wrk(targets[path], `/${fileOf('100 B')}`, 32, 1);

  const results: Record<string, Record<PathName, number[]>> = {};
  const errors: Record<string, number> = {};
  for (const [size] of Object.entries(SIZES)) {
    for (const connections of CONNECTIONS) {
      const name = `${size} -c ${connections}`;
      if (!name.includes(only)) continue;
      results[name] = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<PathName, number[]>;
      for (let run = 0; run < runs; run++) {
        // Alternate which path goes first, so that none always runs right after the same one.
        const order = run % 2 ? [...PATHS].reverse() : PATHS;
        for (const path of order) {
          const measure = wrk(targets[path], `/${fileOf(size)}`, connections, seconds);
          results[name]![path].push(measure.rps);
          if (measure.errors) errors[`${name} ${path}`] = (errors[`${name} ${path}`] ?? 0) + measure.errors;
        }
      }
    }
  }
  const table = Object.entries(results).map(([name, byPath]) => {
    const rps = Object.fromEntries(PATHS.map((p) => [p, median(byPath[p])])) as Record<PathName, number>;
    return {
      case: name,
      ...Object.fromEntries(PATHS.map((p) => [p, round(rps[p], 0)])),
      'border0/direct': round(rps.border0 / rps.direct, 2),
      'border0/nginx': round(rps.border0 / rps.nginx, 2),
      'border0/node': round(rps.border0 / rps.node, 2),
      'node/nginx': round(rps.node / rps.nginx, 2),
      'nginx/direct': round(rps.nginx / rps.direct, 2),
    };
  });
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    JSON.stringify(
      // wrk's socket errors (timeouts: no answer within 2 s) by case and path, if any.
      {
        seconds,
        runs,
        upstream: upstreamKind,
        load_average: load,
        medians_rps: table,
        socket_errors: errors,
      },
      null,
      2,
    ),
  );
  const rows = Object.entries(results).flatMap(([name, byPath]) =>
    PATHS.map((path) => row(name, path, 'requests/s', byPath[path])),
  );
  emit({
    benchmark: 'http',
    method:
      `wrk -t 2 (-c 1 and -c 32) for a 100-byte and a 1 MB response, ${seconds} s each, ${runs} runs per path ` +
      `alternating: directly to the upstream (${upstreamKind}), through nginx as a reverse proxy, through ` +
      'http-proxy-3 alone in one Node process, and through an HTTP socket (border0 proxy start → data ' +
      'connection → border0 connector start, a bearer token, a policy deciding every request).',
    rows,
    ratios: Object.keys(results).flatMap((name) => [
      ratio(rows, name, 'border0', 'nginx', '≥ 0.7'),
      ratio(rows, name, 'border0', 'direct'),
      ratio(rows, name, 'node', 'nginx'),
    ]),
    extra: { socket_errors: errors, load_average: load },
  });
}

function fileOf(size: string): string {
  return size === '100 B' ? 'small' : 'big';
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(daemons.map((child) => stopChild(child)));
    for (const step of undo.reverse()) await step();
    process.exit();
  });
