/**
 * A real OpenSSH sshd for tests: one listener per call on a free 127.0.0.1 port, configured from files in its
 * own temp dir, logging to stderr (kept in `log()` for failing tests). Needs root (sshd switches users) and the
 * Debian package openssh-server (scripts/ensure-packages.sh installs it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './eventually.js';
import { freePort } from './free-port.js';
import { stopChild } from './stop-child.js';

const SSHD = '/usr/sbin/sshd';
/** The account sessions log in as; created on first use, shared by every test file. */
export const SSHD_TEST_USER = 'border0test';
/** Constant so that test files running in parallel never set different passwords on the shared account. */
export const SSHD_TEST_PASSWORD = 'border0-test-password';

export interface SshdOptions {
  /** Sets the test account's password and turns on PasswordAuthentication. */
  passwordAuthentication?: boolean;
  /** OpenSSH public key lines for AuthorizedKeysFile. */
  authorizedKeys?: string[];
  /** OpenSSH public key lines of the CAs whose user certificates sshd accepts (TrustedUserCAKeys). */
  trustedUserCAKeys?: string[];
  /** Principals accepted in certificates instead of the user name (AuthorizedPrincipalsFile). */
  authorizedPrincipals?: string[];
}

export interface Sshd {
  port: number;
  /** The host key as an OpenSSH public key line, to pin in hostVerifier. */
  hostKeyPublic: string;
  user: string;
  password: string;
  /** What sshd logged so far (LogLevel VERBOSE): the reasons for refused logins are only here. */
  log(): string;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: run scripts/ensure-packages.sh (Debian package openssh-server)`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the sshd tests must run as root: sshd switches to the test user');
  }
  ensureTestAccount(options.passwordAuthentication === true);
  // sshd's privilege separation directory; sshd refuses it when group or world writable.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(join(tmpdir(), 'border0-sshd-'));
  // sshd reads AuthorizedKeysFile and AuthorizedPrincipalsFile as the test user.
  chmodSync(dir, 0o755);
  try {
    const hostKey = join(dir, 'host_ed25519_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'border0-test-host', '-f', hostKey]);
    const file = (name: string, lines: string[] | undefined) => {
      if (lines === undefined) return 'none';
      const path = join(dir, name);
      writeFileSync(path, lines.map((line) => `${line.trim()}\n`).join(''), { mode: 0o644 });
      return path;
    };
    const settings = [
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'ListenAddress 127.0.0.1',
      'UsePAM no',
      'StrictModes no',
      `AllowUsers ${SSHD_TEST_USER}`,
      'PermitRootLogin no',
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${options.passwordAuthentication ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `AuthorizedKeysFile ${file('authorized_keys', options.authorizedKeys)}`,
      `TrustedUserCAKeys ${file('trusted_user_ca_keys', options.trustedUserCAKeys)}`,
      `AuthorizedPrincipalsFile ${file('authorized_principals', options.authorizedPrincipals)}`,
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'PrintMotd no',
      'LogLevel VERBOSE',
      // OpenSSH 9.8+ blocks sources after repeated failed logins, which the refusal tests produce on purpose.
      ...(sshdVersion() >= 9.8 ? ['PerSourcePenalties no'] : []),
    ];
    const config = join(dir, 'sshd_config');

    // A free port can be taken by a parallel test file before sshd binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(config, `Port ${port}\n${settings.join('\n')}\n`);
      let log = '';
      const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
      });
      try {
        await waitForListener(child, port, () => log);
      } catch (error) {
        await stopChild(child);
        if (attempt < 3 && /Address already in use|Cannot bind any address/.test(log)) continue;
        throw error;
      }
      return {
        port,
        hostKeyPublic: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
        user: SSHD_TEST_USER,
        password: SSHD_TEST_PASSWORD,
        // sshd ends stderr lines with CRLF.
        log: () => log.replaceAll('\r\n', '\n'),
        stop: async () => {
          // Sessions are sshd processes in their own sessions (setsid), which outlive the listener: end them
          // first, and let the listener reap them.
          const sessions = () => childProcesses(child.pid!);
          for (const pid of sessions()) signal(pid, 'SIGTERM');
          await waitUntil(() => sessions().length === 0, 2_000, 'the sessions to end').catch(() => {});
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Creates and unlocks the test account; flock serialises this across test files running in parallel (useradd
 * and chpasswd fail on a locked /etc/passwd). Each step runs only when needed, so it is idempotent.
 */
function ensureTestAccount(withPassword: boolean): void {
  const script = [
    'set -e',
    `id -u ${SSHD_TEST_USER} >/dev/null 2>&1 || useradd -m -s /bin/bash ${SSHD_TEST_USER}`,
    // useradd leaves the account locked ("!"), and sshd refuses locked accounts even for public keys.
    `case "$(getent shadow ${SSHD_TEST_USER} | cut -d: -f2)" in '!'*) usermod -p '*' ${SSHD_TEST_USER};; esac`,
    withPassword ? `echo '${SSHD_TEST_USER}:${SSHD_TEST_PASSWORD}' | chpasswd` : 'true',
  ].join('\n');
  execFileSync('flock', [join(tmpdir(), `${SSHD_TEST_USER}-account.lock`), 'sh', '-c', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

let version: number | undefined;
/** The OpenSSH version as major.minor, e.g. 9.2: `sshd -V` prints "OpenSSH_9.2p1 ..." to stderr. */
function sshdVersion(): number {
  if (version === undefined) {
    let output: string;
    try {
      output = execFileSync(SSHD, ['-V'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stderr?: string }).stderr ?? '');
    }
    version = Number(/OpenSSH_(\d+\.\d+)/.exec(output)?.[1] ?? 0);
  }
  return version;
}

/** Polls until sshd answers with its SSH banner; fails at once when sshd exits (a bad config, a taken port). */
async function waitForListener(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await answersWithBanner(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}) before listening:\n${log()}`);
    }
    if (Date.now() > deadline) throw new Error(`sshd did not listen on port ${port} within 10 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Linux lists a process's children in /proc; nothing when it has exited. */
function childProcesses(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function answersWithBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
  });
}
