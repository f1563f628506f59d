/**
 * pgbench through a PostgreSQL socket against the ways a person would reach the database otherwise, every
 * part its own process on loopback, in one run:
 *
 *   direct     pgbench straight to the server (SCRAM-SHA-256 login)
 *   pgbouncer  through PgBouncer in session pooling (Debian's package), logging in to the server itself
 *   ssh -L     through an OpenSSH local forward to a local sshd
 *   border0    `border0 client db` → proxy (`border0 proxy start`) → tunnel → connector → server; the
 *              proxy logs in with the socket's credentials; a policy allowing every query type (no parsing)
 *   border0-ro the same with a read_only policy: every statement parsed and decided (libpg-query)
 *
 *   pnpm --filter @border0/bench run postgres [--seconds 10] [--runs 3] [--profile DIR]
 *
 * Each measurement is `pgbench -S` (select only) with -M simple and -M prepared, -c 1 and -c 16 (-j 2), and
 * sysbench `oltp_point_select` and `oltp_read_only` with 16 threads (Debian's sysbench, pgsql driver), for
 * `--seconds`; runs alternate between the paths so drift hits all alike; the median tps of `--runs` is
 * reported with its ratio to direct, to ssh -L and to PgBouncer. Everything shares the machine's cores with
 * the load generator: the figures are what this 2-core machine gives, as ratios.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIN,
  CLUSTER_PASSWORDS,
  daemon,
  freePort,
  SSHD_TEST_USER,
  startPostgresCluster,
  startSshd,
  stopChild,
} from '@border0/testing';
import { deploy } from './deployment.js';
import { emit, profileArgs, ratio, row } from './report.js';
import { median, round } from './stats.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const seconds = flag('seconds', 10);
/** `--profile DIR`: border0's processes write CPU profiles (`node --cpu-prof`) there when they exit. */
const NODE_ARGS = profileArgs();
const runs = flag('runs', 3);
const PATHS = ['direct', 'pgbouncer', 'ssh -L', 'border0', 'border0-ro'] as const;
type PathName = (typeof PATHS)[number];
const CASES = [
  { mode: 'simple', clients: 1 },
  { mode: 'prepared', clients: 1 },
  { mode: 'simple', clients: 16 },
  { mode: 'prepared', clients: 16 },
] as const;

/** sysbench's read-only OLTP tests, 16 threads: transactions per second. */
const SYSBENCH_TESTS = ['oltp_point_select', 'oltp_read_only'] as const;

const undo: (() => unknown)[] = [];
const daemons: ChildProcess[] = [];

function pgbench(port: number, user: string, args: string[]): number {
  const out = execFileSync(
    'pgbench',
    ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-n', ...args, 'shop'],
    {
      env: { ...process.env, PGPASSWORD: CLUSTER_PASSWORDS.scram },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).toString();
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1];
  if (!tps) throw new Error(`pgbench through port ${port} said:\n${out}`);
  return Number(tps);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'border0-bench-pg-'));
  chmodSync(work, 0o755);
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  const cluster = await startPostgresCluster();
  undo.push(() => cluster.stop());
  cluster.sql('create database shop');
  const user = cluster.roles.scram;
  execFileSync(
    'pgbench',
    ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', user, '-i', '-s', '1', '-q', 'shop'],
    {
      env: { ...process.env, PGPASSWORD: CLUSTER_PASSWORDS.scram },
      stdio: 'ignore',
    },
  );
  const ports = {} as Record<PathName, number>;
  const show = () => console.error('ports', JSON.stringify(ports));
  ports.direct = cluster.port;

  // PgBouncer (refuses to run as root): session pooling, any client password, the server login its own.
  ports.pgbouncer = await freePort();
  const bouncerDir = join(work, 'pgbouncer');
  mkdirSync(bouncerDir);
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  chownSync(bouncerDir, uid, uid);
  const bouncer = join(bouncerDir, 'pgbouncer.ini');
  writeFileSync(
    bouncer,
    [
      '[databases]',
      `shop = host=127.0.0.1 port=${cluster.port} dbname=shop user=${user} password=${CLUSTER_PASSWORDS.scram}`,
      '[pgbouncer]',
      `listen_addr = 127.0.0.1`,
      `listen_port = ${ports.pgbouncer}`,
      'auth_type = any',
      'pool_mode = session',
      'max_client_conn = 100',
      'default_pool_size = 20',
      `unix_socket_dir = ${bouncerDir}`,
      `pidfile = ${join(bouncerDir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  chownSync(bouncer, uid, uid);
  await daemon(
    daemons,
    'runuser',
    ['-u', 'postgres', '--', '/usr/sbin/pgbouncer', bouncer],
    {},
    /process up/,
  );
  await waitForPort(ports.pgbouncer, 'pgbouncer', user);

  // ssh -L through a local sshd.
  const key = join(work, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const sshd = await startSshd({ authorizedKeys: [readFileSync(`${key}.pub`, 'utf8').trim()] });
  undo.push(() => sshd.stop());
  ports['ssh -L'] = await freePort();
  const forward = spawn(
    'ssh',
    [
      '-N',
      '-i',
      key,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `127.0.0.1:${ports['ssh -L']}:127.0.0.1:${cluster.port}`,
      '-p',
      String(sshd.port),
      `${SSHD_TEST_USER}@127.0.0.1`,
    ],
    { stdio: 'ignore' },
  );
  daemons.push(forward);
  await waitForPort(ports['ssh -L'], 'ssh -L', user);

  // border0: API, proxy and connector as their own processes.
  const deployment = await deploy(work, { nodeArgs: NODE_ARGS });
  undo.push(() => deployment.stop());
  const { admin, env, proxyPort } = deployment;
  for (const [name, types] of [
    ['pg', ['all']],
    ['pg-ro', ['read_only']],
  ] as const) {
    await admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'database',
        connector_ids: [deployment.connectorId],
        upstream_configuration: {
          type: 'database',
          protocol: 'postgres',
          hostname: '127.0.0.1',
          port: cluster.port,
          authentication_type: 'username_and_password',
          username: user,
          password: CLUSTER_PASSWORDS.scram,
          database: 'shop',
        },
      },
    });
    const policy = await admin.post('/api/v1/policies', {
      body: {
        name: `bench-${name}`,
        document: {
          permissions: {
            database: { allowed_databases: [{ database: 'shop', allowed_query_types: [...types] }] },
          },
          condition: { who: { email: ['admin@localhost'] } },
        },
      },
    });
    await admin.post('/api/v1/policies/{policy}/sockets', {
      params: { path: { policy: policy.id } },
      body: { socket: name },
    });
  }
  const connector = await deployment.startConnector();
  const listeners: Partial<Record<PathName, { child: ChildProcess }>> = {};
  for (const [path, socket] of [
    ['border0', 'pg'],
    ['border0-ro', 'pg-ro'],
  ] as const) {
    ports[path] = await freePort();
    listeners[path] = await daemon(
      daemons,
      process.execPath,
      [
        ...NODE_ARGS,
        BIN,
        'client',
        'db',
        socket,
        '--listen',
        `127.0.0.1:${ports[path]}`,
        '--proxy',
        `127.0.0.1:${proxyPort}`,
      ],
      env,
      /is at 127\.0\.0\.1/,
    );
    await waitForPort(ports[path], path, user);
  }

  show();
  const results: Record<string, Record<PathName, number[]>> = {};
  const cpu: Record<string, Array<Record<string, number>>> = {};
  for (const { mode, clients } of CASES) {
    const name = `-S -M ${mode} -c ${clients}`;
    results[name] = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<PathName, number[]>;
    for (let run = 0; run < runs; run++) {
      for (const path of PATHS) {
        const processes = {
          client: listeners[path]?.child.pid,
          proxy: deployment.proxy.pid,
          connector: connector.pid,
        };
        const before = path === 'border0' ? cpuTicks(processes) : undefined;
        const tps = pgbench(ports[path], user, [
          '-S',
          '-M',
          mode,
          '-c',
          String(clients),
          '-j',
          String(Math.min(clients, 2)),
          '-T',
          String(seconds),
        ]);
        results[name]![path].push(tps);
        if (before) {
          const after = cpuTicks(processes);
          // CPU milliseconds each border0 process spent per 1,000 transactions (clock ticks are 10 ms).
          const perThousand = (key: keyof typeof processes) =>
            round(((after[key]! - before[key]!) * 10) / ((tps * seconds) / 1000), 2);
          cpu[name] ??= [];
          cpu[name].push({
            client: perThousand('client'),
            proxy: perThousand('proxy'),
            connector: perThousand('connector'),
          });
        }
      }
    }
  }
  // sysbench (Debian's, pgsql driver): its tables prepared once, directly; each run a fixed duration.
  const sysbenchArgs = (port: number, test: string) => [
    test,
    '--db-driver=pgsql',
    '--pgsql-host=127.0.0.1',
    `--pgsql-port=${port}`,
    `--pgsql-user=${user}`,
    `--pgsql-password=${CLUSTER_PASSWORDS.scram}`,
    '--pgsql-db=shop',
    '--tables=1',
    '--table-size=10000',
  ];
  execFileSync('sysbench', [...sysbenchArgs(cluster.port, 'oltp_read_only'), 'prepare'], { stdio: 'ignore' });
  for (const test of SYSBENCH_TESTS) {
    const name = `sysbench ${test} --threads=16`;
    results[name] = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<PathName, number[]>;
    for (let run = 0; run < runs; run++) {
      for (const path of PATHS) {
        const out = execFileSync(
          'sysbench',
          [...sysbenchArgs(ports[path], test), '--threads=16', `--time=${seconds}`, 'run'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ).toString();
        const tps = /transactions:\s+\d+\s+\(([\d.]+) per sec\.\)/.exec(out)?.[1];
        if (!tps) throw new Error(`sysbench through ${path} said:\n${out}`);
        results[name]![path].push(Number(tps));
      }
    }
  }

  const table = Object.entries(results).map(([name, byPath]) => {
    const tps = Object.fromEntries(PATHS.map((p) => [p, median(byPath[p])])) as Record<PathName, number>;
    return {
      case: name,
      ...Object.fromEntries(PATHS.map((p) => [p, round(tps[p], 0)])),
      'border0/direct': round(tps.border0 / tps.direct, 2),
      'border0/ssh -L': round(tps.border0 / tps['ssh -L'], 2),
      'border0/pgbouncer': round(tps.border0 / tps.pgbouncer, 2),
      'border0-ro/border0': round(tps['border0-ro'] / tps.border0, 2),
    };
  });
  const cpuTable = Object.entries(cpu).map(([name, samples]) => ({
    case: name,
    ...Object.fromEntries(
      ['client', 'proxy', 'connector'].map((key) => [key, median(samples.map((sample) => sample[key]!))]),
    ),
  }));
  console.log(
    JSON.stringify(
      { seconds, runs, medians_tps: table, border0_cpu_ms_per_1000_transactions: cpuTable },
      null,
      2,
    ),
  );
  const rows = Object.entries(results).flatMap(([name, byPath]) =>
    PATHS.map((path) => row(name, path, 'tps', byPath[path])),
  );
  emit({
    benchmark: 'postgres',
    method:
      `pgbench -S (simple and prepared, -c 1 and -c 16) and sysbench oltp_point_select / oltp_read_only (16 ` +
      `threads), ${seconds} s each, ${runs} runs per path alternating: direct, PgBouncer (session pool), ssh -L, ` +
      'border0 client db → border0 proxy start → border0 connector start (every query type allowed), and ' +
      'border0-ro (read_only: every statement parsed and decided).',
    rows,
    ratios: Object.keys(results).flatMap((name) => [
      ratio(rows, name, 'border0', 'direct'),
      ratio(rows, name, 'border0', 'ssh -L'),
      ratio(rows, name, 'border0', 'pgbouncer'),
    ]),
    extra: { border0_cpu_ms_per_1000_transactions: cpuTable },
  });
}

/** User + system CPU clock ticks of each process so far (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks<K extends string>(pids: Record<K, number | undefined>): Record<K, number> {
  const ticks = {} as Record<K, number>;
  for (const [key, pid] of Object.entries(pids) as Array<[K, number | undefined]>) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks[key] = Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Waits until pgbench can log in through `port`. */
async function waitForPort(port: number, what: string, user: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      pgbench(port, user, ['-S', '-t', '1']);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} never answered: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
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
