/**
 * A real Docker Engine for tests: a private dockerd (Debian `docker.io`) with its own data root, exec root and
 * unix socket in a temp dir, so test files and other daemons on the machine never meet. No registry is
 * reachable here: `importBusybox` makes an image locally from a busybox-static root filesystem. Containers
 * must use `--network host` (the daemon has no bridge and touches no iptables rules). Needs root.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { waitUntil } from './eventually.js';
import { stopChild } from './stop-child.js';

const DOCKERD = '/usr/sbin/dockerd';
const BUSYBOX = '/bin/busybox';

export interface Dockerd {
  /** The engine's unix socket. */
  socketPath: string;
  /** Runs the docker command against this engine; answers its stdout, rejects with its stderr. */
  docker(args: string[], input?: Buffer): Promise<string>;
  /** Imports a busybox-static image (`/bin/busybox` and its applets, `/www/index.html`) as `name`. */
  importBusybox(name: string, indexHtml?: string): Promise<void>;
  /** Stops dockerd and starts it again on the same socket and data (its running containers stop). */
  restart(): Promise<void>;
  /** What dockerd logged so far. */
  log(): string;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ socketPath, path: '/_ping', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('error', () => resolve(false));
    request.once('timeout', () => request.destroy());
  });
}

/** Lazily unmounts whatever is still mounted under `dir` (deepest first), so that it can be removed. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

/** True when the file needs no dynamic loader (`ldd` refuses static executables). */
function isStatic(path: string): boolean {
  try {
    execFileSync('ldd', [path], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

export async function startDockerd(): Promise<Dockerd> {
  if (!existsSync(DOCKERD)) {
    throw new Error(`${DOCKERD} is missing: run scripts/ensure-packages.sh (Debian package docker.io)`);
  }
  if (process.getuid?.() !== 0) throw new Error('dockerd needs root');
  // Short paths: containerd's sockets live under the exec root, and unix socket paths are limited to 107 bytes.
  const dir = mkdtempSync('/tmp/b0d-');
  const socketPath = join(dir, 'docker.sock');
  let log = '';
  const launch = (): ChildProcess => {
    const started = spawn(
      DOCKERD,
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'dockerd.pid'),
        '--host',
        `unix://${socketPath}`,
        // No bridge, no NAT: containers share the host's network, and the machine's firewall is left alone.
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--ip-masq=false',
        '--shutdown-timeout=2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    started.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    return started;
  };
  let child = launch();
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const docker: Dockerd['docker'] = (args, input) =>
    new Promise<string>((resolve, reject) => {
      const run = execFile(
        'docker',
        args,
        {
          env: { ...process.env, DOCKER_HOST: `unix://${socketPath}` },
          encoding: 'buffer',
          maxBuffer: 1 << 24,
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`docker ${args.join(' ')}: ${stderr.toString() || error.message}`));
          else resolve(stdout.toString().trim());
        },
      );
      run.stdin!.end(input);
    });
  const stop = async () => {
    // Containers first: a daemon stopped with running containers can leave their shims and mounts behind.
    const running = exited() ? '' : await docker(['ps', '-aq']).catch(() => '');
    if (running) await docker(['rm', '-f', ...running.split(/\s+/)]).catch(() => {});
    await stopChild(child, 15_000);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const answering = async () => {
    try {
      await waitUntil(
        async () => {
          if (exited()) throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}):\n${log}`);
          return ping(socketPath);
        },
        30_000,
        'dockerd to answer on its socket',
      );
    } catch (error) {
      await stop();
      throw new Error(`${(error as Error).message}\n${log}`);
    }
  };
  await answering();

  return {
    socketPath,
    docker,
    async importBusybox(name, indexHtml = 'hello from busybox\n') {
      if (!existsSync(BUSYBOX) || !isStatic(BUSYBOX)) {
        throw new Error(
          `${BUSYBOX} must be the static busybox: run scripts/ensure-packages.sh (busybox-static)`,
        );
      }
      const rootfs = join(dir, 'rootfs');
      rmSync(rootfs, { recursive: true, force: true });
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      mkdirSync(join(rootfs, 'www'));
      execFileSync('cp', [BUSYBOX, join(rootfs, 'bin', 'busybox')]);
      for (const applet of ['sh', 'httpd', 'sleep', 'nc'])
        symlinkSync('busybox', join(rootfs, 'bin', applet));
      writeFileSync(join(rootfs, 'www', 'index.html'), indexHtml);
      const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 26 });
      await docker(['import', '-', name], tar);
    },
    async restart() {
      // Stopped as an admin's `systemctl restart docker` would: its containers stop, images and containers stay.
      await stopChild(child, 15_000);
      child = launch();
      await answering();
    },
    log: () => log,
    stop,
  };
}
