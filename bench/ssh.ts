/**
 * ssh through border0 against the tools a person would use instead, with real processes on loopback: scp
 * throughput (upload and download of one file) and keystroke echo latency in an interactive shell, three ways:
 *
 *   direct   scp/ssh straight to the upstream sshd (`-P port`)
 *   jump     through an OpenSSH jump host (`-J border0test@127.0.0.1:port`), a second sshd started here
 *   border0  the config of `border0 client ssh-config` (ProxyCommand `border0 client tls`): client TLS →
 *            proxy (`border0 proxy start`, its own SSH server and an SSH client of the upstream) → tunnel
 *            (TLS + SSH) → connector (`border0 connector start`) → the same upstream sshd
 *
 *   pnpm --filter @border0/bench run ssh [--mb 200] [--runs 3] [--keys 200] [--setups 5]
 *
 * The API is `border0 start --no-proxy` (PGlite), the socket logs in to the upstream with a private key (the
 * same key the direct and jump paths use) and records (the default for ssh sockets); one org-wide policy
 * allows admin@localhost shell, exec and sftp. Needs root (sshd switches users) and openssh-server.
 *
 * scp: every run is the wall time of one scp process (connection setup included, as a person sees it); runs
 * alternate between the paths so drift hits all alike; the checksum of the first copy each way is checked on
 * every path. `setup` is the median wall time of `ssh <path> true`; `steady` = size / (scp − setup), an
 * estimate of the rate once connected. CPU: seconds per transfer of each process group, from /proc.
 * Keystrokes: `ssh -tt` inside `script` (a pty) runs `cat` remotely; each character is written once the
 * previous one came back, and the time until its echo (by the remote tty) is taken. MB = 1,048,576 bytes.
 * Everything shares the machine's cores: the CPU that other processes used meanwhile is reported, with a
 * warning above 5 % (then run it again on a quiet machine). Processes are started with the e2e helpers.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  daemon,
  freePort,
  type Platform,
  SSHD_TEST_USER,
  type Sshd,
  startPlatform,
  startSshd,
  stopChild,
  waitUntil,
} from '@border0/testing';
import { START_DEADLINE_MS } from './deployment.js';
import { killGroup, quote } from './process-control.js';
import { emit, type Row, ratio, row } from './report.js';
import { median, percentile, round } from './stats.js';

const MB = 1024 * 1024;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const sizeMb = flag('mb', 200);
const runs = flag('runs', 3);
const keystrokes = flag('keys', 200);
const setups = flag('setups', 5);
const WARMUP_KEYS = 10;
/** bash turns bracketed paste on around its prompt. */
const BRACKETED_PASTE_ON = '\u001b[?2004h';

const PATHS = ['direct', 'jump', 'border0'] as const;
type PathName = (typeof PATHS)[number];
const DIRECTIONS = ['upload', 'download'] as const;
type Direction = (typeof DIRECTIONS)[number];

/** What is to be undone at the end, last first; runs on success, failure and Ctrl+C alike. */
const undo: (() => unknown)[] = [];
/** Every short-lived child (scp, ssh, script), each the leader of its own process group. */
const running = new Set<ChildProcess>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command in its own process group (so that ssh's ProxyCommand goes with it); never hangs. */
function run(
  command: string,
  args: string[],
  deadlineMs = 60_000,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Run> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${deadlineMs} ms)`;
      killGroup(child);
    }, deadlineMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    });
  });
}

async function ok(
  command: string,
  args: string[],
  deadlineMs?: number,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Run> {
  const result = await run(command, args, deadlineMs, onSpawn);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  }
  return result;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds all processes on the machine have used (user, nice, system on every core). Interrupts and
 * softirqs (where much of loopback networking runs) belong to no process and are left out.
 */
function machineBusySeconds(): number {
  const [, user, nice, system] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return (Number(user) + Number(nice) + Number(system)) / CLOCK_TICKS;
}

/** CPU seconds and wall seconds of processes other than the benchmark's, while it measures. */
const others = { scp: { cpu: 0, wall: 0 }, echo: { cpu: 0, wall: 0 } };

/**
 * Starts watching the benchmark's processes (`roots`: this process is counted on its own) and the machine;
 * the returned function stops, adds what other processes used meanwhile to `others[phase]`, and answers the
 * benchmark's CPU seconds per group.
 */
function account<K extends string>(
  phase: keyof typeof others,
  roots: Record<K, (number | undefined)[]>,
  intervalMs?: number,
): () => Record<K, number> {
  const busy = machineBusySeconds();
  const self = process.cpuUsage();
  const start = process.hrtime.bigint();
  const stop = watchCpu(roots, intervalMs);
  return () => {
    const cpu = stop();
    const own = process.cpuUsage(self);
    const ours = Object.values<number>(cpu).reduce((sum, value) => sum + value, 0);
    const other = machineBusySeconds() - busy - ours - (own.user + own.system) / 1e6;
    others[phase].cpu += Math.max(0, other);
    others[phase].wall += Number(process.hrtime.bigint() - start) / 1e9;
    return cpu;
  };
}

/** Linux lists a process's children in /proc. */
function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The pid of the sshd listener on `port`: a child of this process (startSshd keeps its handle to itself). sshd
 * rewrites its command line ("sshd: /usr/sbin/sshd -D -e -f <config> [listener] ..."), the config stays in it.
 */
function sshdPid(port: number): number | undefined {
  return childrenOf(process.pid).find((pid) => {
    try {
      const config = /sshd.* -f (\S+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      return config !== undefined && Number(/^Port (\d+)/m.exec(readFileSync(config, 'utf8'))?.[1]) === port;
    } catch {
      return false;
    }
  });
}

/**
 * CPU seconds used meanwhile by each group of process trees, sampled every 50 ms from /proc until stopped. The
 * kernel's counts of reaped children would miss much: ssh does not wait for its ProxyCommand (the jump host's
 * `ssh -W`, `border0 client tls`), and an sshd session's monitor exits without waiting for its network child.
 * Each process counts from its first sample (processes started meanwhile from zero) to its last, so at most
 * 50 ms at the end of each short-lived process is missed.
 */
function watchCpu<K extends string>(
  roots: Record<K, (number | undefined)[]>,
  intervalMs: number | undefined,
): () => Record<K, number> {
  /** Per group, keyed by pid and start time (a reused pid is another process): first and last sample. */
  const seen = new Map<K, Map<string, { first: number; last: number }>>();
  let firstRound = true;
  const sample = () => {
    for (const [group, pids] of Object.entries(roots) as [K, (number | undefined)[]][]) {
      const known = seen.get(group) ?? new Map<string, { first: number; last: number }>();
      seen.set(group, known);
      // Descendants are found from the roots; known ones orphaned meanwhile are looked up by pid.
      const queue: [number, string | undefined][] = pids.flatMap((pid) =>
        pid === undefined ? [] : [[pid, undefined] as [number, undefined]],
      );
      for (const key of known.keys()) {
        const [pid, started] = key.split(':');
        queue.push([Number(pid), started]);
      }
      const visited = new Set<number>();
      while (queue.length > 0) {
        const [pid, started] = queue.shift()!;
        if (visited.has(pid)) continue;
        visited.add(pid);
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          // Fields after "pid (comm) ": state is [0], utime [11], stime [12], starttime [19].
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (started !== undefined && fields[19] !== started) continue;
          const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
          const key = `${pid}:${fields[19]}`;
          const entry = known.get(key);
          if (entry) entry.last = seconds;
          else known.set(key, { first: firstRound ? seconds : 0, last: seconds });
        } catch {
          continue;
        }
        for (const child of childrenOf(pid)) queue.push([child, undefined]);
      }
    }
    firstRound = false;
  };
  sample();
  const timer = intervalMs === undefined ? undefined : setInterval(sample, intervalMs).unref();
  return () => {
    clearInterval(timer);
    sample();
    const totals = {} as Record<K, number>;
    for (const group of Object.keys(roots) as K[]) {
      totals[group] = 0;
      for (const { first, last } of seen.get(group)?.values() ?? []) totals[group] += last - first;
    }
    return totals;
  };
}

interface Setup {
  work: string;
  target: Sshd;
  jump: Sshd;
  /** The bench's own OpenSSH config for direct and jump (passed on to the jump ssh too). */
  plainConfig: string;
  border0Config: string;
  dnsname: string;
  pids: { api?: number; proxy?: number; connector?: number; target?: number; jump?: number };
}

async function setUp(): Promise<Setup> {
  const work = mkdtempSync(join(tmpdir(), 'border0-bench-ssh-'));
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  const key = join(work, 'id_ed25519');
  await ok('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'border0-bench', '-f', key]);
  const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
  const plainConfig = join(work, 'ssh_config');
  writeFileSync(
    plainConfig,
    [
      'Host *',
      `  IdentityFile ${key}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
      '  UserKnownHostsFile /dev/null',
      '  StrictHostKeyChecking no',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );

  const target = await startSshd({ authorizedKeys: [publicKey] });
  undo.push(() => target.stop());
  const jump = await startSshd({ authorizedKeys: [publicKey] });
  undo.push(() => jump.stop());

  const env: Record<string, string> = { BORDER0_CONFIG_DIR: join(work, 'config') };
  const daemons: ChildProcess[] = [];
  undo.push(() => Promise.all(daemons.map((child) => stopChild(child))));
  const api: Platform = await startPlatform(
    ['--data-dir', join(work, 'data'), '--no-proxy'],
    env,
    START_DEADLINE_MS,
  );
  undo.push(() => api.stop());
  env.BORDER0_API_URL = api.url;
  const admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim(),
  });
  const org = await admin.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });

  const proxyPort = await freePort();
  const proxyToken = readFileSync(join(work, 'data', 'proxy-token'), 'utf8').trim();
  const proxy = await daemon(
    daemons,
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'bench'],
    env,
    /proxy bench listening/,
  );
  env.BORDER0_PROXY = `127.0.0.1:${proxyPort}`;
  const lab = await admin.post('/api/v1/connectors', { body: { name: 'bench' } });
  const connectorToken = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: lab.id } },
    body: { name: 'bench' },
  });
  const socket = await admin.post('/api/v1/sockets', {
    body: {
      name: 'bench-box',
      socket_type: 'ssh',
      connector_ids: [lab.id],
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: target.port,
        authentication_type: 'private_key',
        username: SSHD_TEST_USER,
        private_key: readFileSync(key, 'utf8'),
      },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'bench-ssh',
      org_wide: true,
      document: {
        permissions: { ssh: { shell: {}, exec: {}, sftp: {} } },
        condition: { who: { email: ['admin@localhost'] } },
      },
    },
  });
  const connector = await daemon(
    daemons,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken.token],
    env,
    /connector bench serves/,
  );
  const written = await border0(['client', 'ssh-config'], env);
  if (written.code !== 0) throw new Error(`border0 client ssh-config failed: ${written.stderr}`);

  const sshdPids = { target: sshdPid(target.port), jump: sshdPid(jump.port) };
  if (!sshdPids.target || !sshdPids.jump) throw new Error('cannot find the sshd listeners among my children');
  return {
    work,
    target,
    jump,
    plainConfig,
    border0Config: join(env.BORDER0_CONFIG_DIR!, 'ssh', `${org.name}.conf`),
    dnsname: socket.dnsname,
    pids: {
      api: api.process.pid,
      proxy: proxy.child.pid,
      connector: connector.child.pid,
      ...sshdPids,
    },
  };
}

/** How each path's ssh and scp are told where to go: options before the destination, and the host. */
function pathArgs(setup: Setup, path: PathName, tool: 'ssh' | 'scp'): { options: string[]; host: string } {
  const port = tool === 'scp' ? '-P' : '-p';
  const local = `${SSHD_TEST_USER}@127.0.0.1`;
  switch (path) {
    case 'direct':
      return { options: ['-F', setup.plainConfig, port, String(setup.target.port)], host: local };
    case 'jump':
      return {
        options: [
          '-F',
          setup.plainConfig,
          '-J',
          `${SSHD_TEST_USER}@127.0.0.1:${setup.jump.port}`,
          port,
          String(setup.target.port),
        ],
        host: local,
      };
    case 'border0':
      return { options: ['-F', setup.border0Config], host: `${SSHD_TEST_USER}@${setup.dnsname}` };
  }
}

const remoteFile = (path: PathName) => `/tmp/border0-bench-ssh-${process.pid}-${path}.bin`;

/** Waits until no sshd session of this bench is left, so that runs never overlap and CPU is accounted. */
function sessionsGone(setup: Setup): Promise<void> {
  return waitUntil(
    () => childrenOf(setup.pids.target).length === 0 && childrenOf(setup.pids.jump).length === 0,
    10_000,
    'the sshd sessions to end',
  ).then(() => {});
}

const COMPONENTS = ['client', 'sshd', 'proxy', 'connector', 'api'] as const;
type Component = (typeof COMPONENTS)[number];

/** A file of random bytes (nothing compresses it), and its SHA-256. */
function payload(file: string, size: number): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= MB) {
      const chunk = randomBytes(Math.min(MB, left));
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

interface Transfer {
  seconds: number[];
  cpu: Record<Component, number>;
}

async function scpBenchmark(setup: Setup, file: string, digest: string) {
  const empty = (): Record<Direction, Transfer> => ({
    upload: { seconds: [], cpu: { client: 0, sshd: 0, proxy: 0, connector: 0, api: 0 } },
    download: { seconds: [], cpu: { client: 0, sshd: 0, proxy: 0, connector: 0, api: 0 } },
  });
  const results: Record<PathName, Record<Direction, Transfer>> = {
    direct: empty(),
    jump: empty(),
    border0: empty(),
  };
  const back = (path: PathName) => join(setup.work, `back-${path}.bin`);
  undo.push(() => {
    for (const path of PATHS) rmSync(remoteFile(path), { force: true });
  });

  const transfer = async (path: PathName, direction: Direction) => {
    const { options, host } = pathArgs(setup, path, 'scp');
    const [from, to] =
      direction === 'upload'
        ? [file, `${host}:${remoteFile(path)}`]
        : [`${host}:${remoteFile(path)}`, back(path)];
    await sessionsGone(setup);
    const { pids } = setup;
    let stop = (): Record<Component, number> | undefined => undefined;
    const { seconds } = await ok('scp', ['-q', ...options, from, to], 120_000, (child) => {
      stop = account(
        'scp',
        {
          // scp, ssh, and the jump host's `ssh -W` or `border0 client tls`.
          client: [child.pid],
          sshd: [pids.target, pids.jump],
          proxy: [pids.proxy],
          connector: [pids.connector],
          api: [pids.api],
        },
        50,
      );
    });
    await sessionsGone(setup);
    const cpu = stop()!;
    const entry = results[path][direction];
    entry.seconds.push(seconds);
    for (const c of COMPONENTS) entry.cpu[c] += cpu[c];
  };

  // Alternate the paths within each run, so that drift (thermal, other load) hits all alike.
  for (let round = 0; round < runs; round++) {
    for (const path of PATHS) {
      await transfer(path, 'upload');
      if (round === 0) {
        const { options, host } = pathArgs(setup, path, 'ssh');
        const sum = await ok('ssh', [...options, host, `sha256sum ${remoteFile(path)}`]);
        const remote = sum.stdout.split(' ')[0];
        if (remote !== digest) throw new Error(`${path}: the upload arrived as ${remote}, not ${digest}`);
      }
      await transfer(path, 'download');
      if (round === 0) {
        const local = sha256File(back(path));
        if (local !== digest) throw new Error(`${path}: the download arrived as ${local}, not ${digest}`);
      }
    }
  }
  for (const path of PATHS) rmSync(back(path), { force: true });
  return results;
}

/** Median wall time of `ssh <path> true`: connect, key exchange, login, one exec, close. */
async function setupBenchmark(setup: Setup): Promise<Record<PathName | 'cli', number[]>> {
  const results = { direct: [], jump: [], border0: [], cli: [] } as Record<PathName | 'cli', number[]>;
  for (let i = 0; i < setups; i++) {
    for (const path of PATHS) {
      const { options, host } = pathArgs(setup, path, 'ssh');
      results[path].push((await ok('ssh', [...options, host, 'true'])).seconds);
    }
    // What starting `border0 client tls` costs before it does anything: node, tsx, the CLI's modules.
    results.cli.push((await ok(process.execPath, [BIN, '--help'])).seconds);
  }
  await sessionsGone(setup);
  return results;
}

/** The ciphers the client negotiated on its own connection (`ssh -v`), for the record. */
async function negotiated(setup: Setup, path: PathName): Promise<string> {
  const { options, host } = pathArgs(setup, path, 'ssh');
  const { stderr } = await ok('ssh', ['-v', ...options, host, 'true']);
  const lines = [...stderr.matchAll(/kex: client->server cipher: (\S+) MAC: (\S+)/g)];
  // With a jump host the first is the jump connection's, the last the target's.
  const last = lines.at(-1);
  return last ? (last[2] === '<implicit>' ? last[1]! : `${last[1]} ${last[2]}`) : 'unknown';
}

/** Milliseconds from writing each character to reading its echo, in an interactive shell running `cat`. */
async function echoBenchmark(setup: Setup, path: PathName): Promise<number[]> {
  const { options, host } = pathArgs(setup, path, 'ssh');
  const command = ['exec', 'ssh', ...options, '-tt', host].map(quote).join(' ');
  const script = spawn('script', ['-qfec', `stty cols 80 rows 24; ${command}`, '/dev/null'], {
    detached: true,
    env: { ...process.env, TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(script);
  let screen = '';
  let onOutput = () => {};
  script.stdout!.on('data', (chunk: Buffer) => {
    screen += chunk.toString('latin1');
    onOutput();
  });
  script.stderr!.on('data', (chunk: Buffer) => {
    screen += chunk.toString('latin1');
  });
  const exited = new Promise<void>((resolve) => script.once('close', () => resolve()));
  const fail = (what: string) => new Error(`${path}: ${what}; the terminal showed:\n${screen.slice(-2000)}`);
  try {
    await waitUntil(
      () => /\$ $/.test(screen.replaceAll(BRACKETED_PASTE_ON, '')),
      15_000,
      'the shell prompt',
    ).catch(() => {
      throw fail('no shell prompt');
    });
    // The quotes keep the typed line from matching; bash restores the tty (cooked, echo) before running it.
    script.stdin!.write('echo RE""ADY; exec cat\r');
    await waitUntil(() => /READY\r?\n/.test(screen), 10_000, 'cat to start').catch(() => {
      throw fail('cat did not start');
    });
    const times: number[] = [];
    const { pids } = setup;
    // Sampled only at the start and the end (all these processes live throughout): sampling meanwhile would
    // delay this process's reading of the echoes.
    const stop = account('echo', {
      client: [script.pid],
      sshd: [pids.target, pids.jump],
      proxy: [pids.proxy],
      connector: [pids.connector],
      api: [pids.api],
      // Kernel threads (kthreadd's children): the kworkers that move every keystroke through the ptys.
      kernel: [2],
    });
    for (let i = 0; i < WARMUP_KEYS + keystrokes; i++) {
      const char = String.fromCharCode(97 + (i % 26));
      const mark = screen.length;
      const echoed = new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(fail(`no echo of keystroke ${i}`)), 5_000);
        onOutput = () => {
          if (screen.indexOf(char, mark) === -1) return;
          clearTimeout(timer);
          onOutput = () => {};
          resolve(process.hrtime.bigint());
        };
      });
      const start = process.hrtime.bigint();
      script.stdin!.write(char);
      const end = await echoed;
      if (i >= WARMUP_KEYS) times.push(Number(end - start) / 1e6);
    }
    stop();
    // Ctrl+C ends cat, which is the session's shell: ssh, then script exit.
    script.stdin!.write('\x03');
    const timer = setTimeout(() => killGroup(script), 10_000);
    await exited;
    clearTimeout(timer);
    return times;
  } finally {
    killGroup(script);
    await exited;
    running.delete(script);
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  const setup = await setUp();
  const file = join(setup.work, 'payload.bin');
  const size = sizeMb * MB;
  const digest = payload(file, size);

  const cores = cpus();
  console.log(
    `ssh on loopback, ${cores.length} cores (${cores[0]?.model ?? 'unknown cpu'}), ` +
      spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim(),
  );
  const ciphers = {} as Record<PathName, string>;
  for (const path of PATHS) ciphers[path] = await negotiated(setup, path);
  console.log(
    `  client ciphers: ${PATHS.map((p) => `${p} ${ciphers[p]}`).join(', ')}` +
      ' (border0: the client to the proxy; the proxy to the upstream is its own connection)',
  );

  const setupTimes = await setupBenchmark(setup);
  const transfers = await scpBenchmark(setup, file, digest);
  const echoes = {} as Record<PathName, number[]>;
  for (const path of PATHS) echoes[path] = await echoBenchmark(setup, path);

  // The table.
  const setupMs = Object.fromEntries(PATHS.map((p) => [p, median(setupTimes[p]) * 1000])) as Record<
    PathName,
    number
  >;
  console.log(`\nconnection setup, \`ssh <path> true\`, median of ${setups}:`);
  for (const path of PATHS) {
    console.log(
      `  ${path.padEnd(8)} ${setupMs[path].toFixed(0).padStart(6)} ms` +
        (path === 'border0'
          ? `  (${(setupMs.border0 / setupMs.direct).toFixed(1)}× direct, ` +
            `${(setupMs.border0 / setupMs.jump).toFixed(1)}× jump)`
          : ''),
    );
  }
  const cliMs = median(setupTimes.cli) * 1000;
  console.log(`  of which starting the CLI for ProxyCommand (\`border0 --help\`): ${cliMs.toFixed(0)} ms`);

  const json: Record<string, unknown> = {
    bench: 'ssh',
    mb: sizeMb,
    runs,
    keystrokes,
    cores: cores.length,
    ciphers,
    setup_ms: Object.fromEntries(PATHS.map((p) => [p, round(setupMs[p], 1)])),
    cli_start_ms: round(cliMs, 1),
  };
  const scp: Record<string, unknown> = {};
  console.log(`\nscp of ${sizeMb} MB, median of ${runs} (MB/s; runs in parentheses; steady = after setup):`);
  console.log(
    `  ${''.padEnd(18)}${'MB/s'.padStart(8)}${'steady'.padStart(8)}  ${'vs direct'.padStart(9)}  ` +
      `${'vs jump'.padStart(8)}  CPU s per transfer: ${COMPONENTS.join(' / ')}`,
  );
  for (const direction of DIRECTIONS) {
    const rates = {} as Record<PathName, number>;
    const entry: Record<string, unknown> = {};
    for (const path of PATHS) {
      const t = transfers[path][direction];
      const all = t.seconds.map((s) => sizeMb / s);
      const rate = median(all);
      rates[path] = rate;
      const steady = sizeMb / Math.max(1e-3, median(t.seconds) - setupMs[path] / 1000);
      const cpu = Object.fromEntries(COMPONENTS.map((c) => [c, round(t.cpu[c] / runs, 2)])) as Record<
        Component,
        number
      >;
      entry[path] = {
        mbps: round(rate, 1),
        steady_mbps: round(steady, 1),
        runs_mbps: all.map((r) => round(r, 1)),
        cpu_s: cpu,
      };
      const vs = (other: PathName) => (path === 'border0' ? `${(rate / rates[other]).toFixed(3)}×` : '');
      const shown =
        path === 'border0' ? COMPONENTS : COMPONENTS.filter((c) => c === 'client' || c === 'sshd');
      console.log(
        `  ${direction.padEnd(9)}${path.padEnd(9)}${rate.toFixed(1).padStart(8)}${steady.toFixed(0).padStart(8)}  ` +
          `${vs('direct').padStart(9)}  ${vs('jump').padStart(8)}  ` +
          `${shown.map((c) => `${c} ${cpu[c].toFixed(2)}`).join(', ')}` +
          `  (${all.map((r) => r.toFixed(0)).join(', ')})`,
      );
    }
    entry.border0_vs_direct = round(rates.border0 / rates.direct);
    entry.border0_vs_jump = round(rates.border0 / rates.jump);
    scp[direction] = entry;
  }
  json.scp = scp;

  const latency: Record<string, unknown> = {};
  console.log(`\nkeystroke echo, ${keystrokes} keystrokes one at a time (ms):`);
  const stats = {} as Record<PathName, { median: number; p95: number }>;
  for (const path of PATHS) {
    const times = echoes[path];
    stats[path] = { median: median(times), p95: percentile(times, 0.95) };
    latency[path] = {
      median_ms: round(stats[path].median),
      p95_ms: round(stats[path].p95),
      max_ms: round(Math.max(...times)),
    };
    const vs =
      path === 'border0'
        ? `  median ${(stats.border0.median / stats.direct.median).toFixed(2)}× direct, ` +
          `${(stats.border0.median / stats.jump.median).toFixed(2)}× jump; p95 ` +
          `${(stats.border0.p95 / stats.direct.p95).toFixed(2)}× direct, ` +
          `${(stats.border0.p95 / stats.jump.p95).toFixed(2)}× jump`
        : '';
    const max = Math.max(...times);
    console.log(
      `  ${path.padEnd(8)} median ${stats[path].median.toFixed(3).padStart(7)}  ` +
        `p95 ${stats[path].p95.toFixed(3).padStart(7)}  max ${max.toFixed(3).padStart(7)}${vs}`,
    );
  }
  latency.border0_vs_direct = {
    median: round(stats.border0.median / stats.direct.median),
    p95: round(stats.border0.p95 / stats.direct.p95),
  };
  latency.border0_vs_jump = {
    median: round(stats.border0.median / stats.jump.median),
    p95: round(stats.border0.p95 / stats.jump.p95),
  };
  json.echo = latency;
  json.seconds = round((Date.now() - began) / 1000, 1);
  // Everything here shares the machine's cores: other work running meanwhile moves every figure.
  const share = (phase: keyof typeof others) => others[phase].cpu / (others[phase].wall * cores.length);
  json.other_processes_cpu_share = { scp: round(share('scp')), echo: round(share('echo')) };
  console.log(
    `\nother processes used ${(share('scp') * 100).toFixed(1)}% of the machine's CPU during the scp runs, ` +
      `${(share('echo') * 100).toFixed(1)}% during the keystrokes` +
      (Math.max(share('scp'), share('echo')) > 0.05
        ? ': other work shared the machine, the figures are less reliable'
        : ''),
  );
  const rows: Row[] = [];
  for (const direction of DIRECTIONS) {
    for (const path of PATHS) {
      rows.push(
        row(
          `scp ${direction}`,
          path,
          'MB/s',
          transfers[path][direction].seconds.map((s) => sizeMb / s),
        ),
      );
    }
  }
  for (const path of PATHS) rows.push(row('keystroke echo', path, 'ms', echoes[path], [0.5, 0.99]));
  for (const path of PATHS)
    rows.push(
      row(
        'connection setup',
        path,
        'ms',
        setupTimes[path].map((s) => s * 1000),
      ),
    );
  rows.push(
    row(
      'CLI start (border0 --help)',
      'border0',
      'ms',
      setupTimes.cli.map((s) => s * 1000),
    ),
  );
  emit({
    benchmark: 'ssh',
    method:
      `scp of ${sizeMb} MB each way, ${runs} runs per path alternating (wall time of one scp process, setup ` +
      `included); keystroke echo of ${keystrokes} keystrokes one at a time in \`ssh -tt\` running cat; ` +
      `\`ssh <path> true\`, ${setups} times. Paths: direct to sshd, \`ssh -J\` through a second sshd, and the ` +
      'config of `border0 client ssh-config` (ProxyCommand border0 client tls) through `border0 proxy start` and ' +
      '`border0 connector start`, each its own process.',
    rows,
    ratios: [
      ratio(rows, 'scp upload', 'border0', 'jump', '≥ 0.8'),
      ratio(rows, 'scp download', 'border0', 'jump', '≥ 0.8'),
      ratio(rows, 'keystroke echo', 'border0', 'jump', '≤ 1.3'),
      ratio(rows, 'keystroke echo', 'border0', 'jump', undefined, 'p99'),
      ratio(rows, 'connection setup', 'border0', 'jump', '≤ 1.5'),
      ratio(rows, 'scp upload', 'border0', 'direct'),
      ratio(rows, 'scp download', 'border0', 'direct'),
    ],
    extra: { ciphers, other_processes_cpu_share: json.other_processes_cpu_share, scp_cpu: scp },
  });
}

async function cleanUp(): Promise<void> {
  for (const child of running) killGroup(child);
  for (const step of undo.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: ${(error as Error).message}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
