/**
 * ssh exec policy and input recording end to end: `border0 start` (API, proxy and its built-in connector), a
 * real OpenSSH sshd upstream, and real clients: OpenSSH ssh, and the ssh2 library for exec commands that
 * OpenSSH would not send as they are (a raw carriage return, a NUL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAsciicast } from '@border0/protocol';
import { createClient } from '@border0/sdk';
import {
  border0,
  clientListener,
  eventually,
  type Platform,
  SSHD_TEST_USER,
  type Sshd,
  startPlatform,
  startSshd,
  tempDir,
} from '@border0/testing';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
let api: Platform;
let sshd: Sshd;
let env: Record<string, string>;
let work: string;
let sshConfig: string;
let admin: ReturnType<typeof createClient>;
let domain: string;
let proxyPort: number;

/** The one command the `reports` socket allows, and what an injected one would leave behind. */
const REPORT_SCRIPT = `/tmp/border0-report-${process.pid}.sh`;
const REPORT = `bash ${REPORT_SCRIPT}`;
const PWNED = `/tmp/border0-pwned-${process.pid}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const host = (socket: string) => `${socket}-${domain}`;

/** OpenSSH ssh with the written config; `input` is written at once, or step by step by `interact`. */
function openssh(
  args: string[],
  input?: string,
  interact?: (write: (text: string) => void, output: () => string) => Promise<void>,
) {
  return new Promise<Run>((resolve) => {
    const child = spawn('ssh', ['-F', sshConfig, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (interact) {
      interact(
        (text) => child.stdin.write(text),
        () => stdout,
      ).then(
        () => child.stdin.end(),
        (error: Error) => {
          stderr += `\ninteraction failed: ${error.message}`;
          child.kill('SIGKILL');
        },
      );
    } else child.stdin.end(input);
  });
}

/** One exec through the ssh2 library, inside `border0 client tls` (any SSH login: the proxy knows the client). */
async function ssh2Exec(listenerPort: number, command: string, stdin: string): Promise<Run> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port: listenerPort, username: 'anyone', hostVerifier: () => true });
  });
  try {
    return await new Promise<Run>((resolve, reject) => {
      client.exec(command, (error, channel) => {
        if (error) return reject(error);
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        channel.on('data', (chunk: Buffer) => {
          stdout += chunk;
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk;
        });
        channel.on('exit', (exitCode: number | null) => {
          code = exitCode;
        });
        channel.once('close', () => resolve({ code, stdout, stderr }));
        channel.end(stdin);
      });
    });
  } finally {
    client.end();
  }
}

/** The terminal recording of the one session this run opened on `socket`, once the session has ended. */
async function recordingOfNewSession(socket: string, before: Set<string>) {
  const sessions = await eventually(
    async () => (await admin.get('/api/v1/sessions', { params: { query: { socket } } })).items,
    (items) => items.some((s) => !before.has(s.id) && s.ended_at !== null),
    15_000,
  );
  const session = sessions.find((s) => !before.has(s.id))!;
  const recordings = await admin.get('/api/v1/sessions/{session_id}/recordings', {
    params: { path: { session_id: session.id } },
  });
  const { data } = await admin.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
    params: { path: { session_id: session.id, recording_id: recordings.items[0]!.id } },
    parseAs: 'text',
  });
  const { events } = parseAsciicast(data as string);
  const of = (code: string) =>
    events
      .filter(([, c]) => c === code)
      .map(([, , text]) => text)
      .join('');
  return { input: of('i'), output: of('o'), inputEvents: events.filter(([, c]) => c === 'i').length };
}

const sessionIds = async (socket: string) =>
  new Set((await admin.get('/api/v1/sessions', { params: { query: { socket } } })).items.map((s) => s.id));

beforeAll(async () => {
  work = tempDir('ssh-commands');
  env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data')], env);
  env.BORDER0_API_URL = api.url;
  proxyPort = Number(/Proxy:\s+\S+:(\d+)/.exec(api.output())![1]);
  env.BORDER0_PROXY = `127.0.0.1:${proxyPort}`;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim(),
  });
  domain = (
    await admin.get('/api/v1/organizations/{organization}', { params: { path: { organization: 'current' } } })
  ).domain;
  sshd = await startSshd({ passwordAuthentication: true });
  writeFileSync(REPORT_SCRIPT, 'echo "report ok"\n');
  chmodSync(REPORT_SCRIPT, 0o755);

  const local = (await admin.get('/api/v1/connectors')).items.find((c) => c.name === 'local')!;
  const socket = (name: string, mode: string, recordInput: boolean) =>
    admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'ssh',
        tags: { mode },
        recording_enabled: true,
        recording_input_enabled: recordInput,
        connector_ids: [local.id],
        upstream_configuration: {
          type: 'ssh',
          hostname: '127.0.0.1',
          port: sshd.port,
          authentication_type: 'username_and_password',
          username: SSHD_TEST_USER,
          password: sshd.password,
        },
      },
    });
  await socket('reports', 'reports', false);
  await socket('typed', 'shell', true);
  await socket('untyped', 'shell', false);
  const who = { email: ['admin@localhost'] };
  await admin.post('/api/v1/policies', {
    body: {
      name: 'reports-only',
      tag_rules: [{ mode: 'reports' }],
      document: { permissions: { ssh: { exec: { commands: [REPORT] } } }, condition: { who } },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'shells',
      tag_rules: [{ mode: 'shell' }],
      document: { permissions: { ssh: { shell: {}, exec: {} } }, condition: { who } },
    },
  });
  const written = await border0(['client', 'ssh-config'], env);
  expect(written.code, written.stderr).toBe(0);
  sshConfig = join(env.BORDER0_CONFIG_DIR!, 'ssh', 'local.conf');
}, 90_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sshd?.stop();
  await api?.stop();
  rmSync(REPORT_SCRIPT, { force: true });
  rmSync(PWNED, { force: true });
});

describe('an exec policy that holds', () => {
  it('runs the allowed command exactly as listed', async () => {
    const result = await openssh([host('reports'), REPORT]);
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'report ok\n' });
  });

  it('refuses the allowed command with a newline for its space (OpenSSH), and runs nothing', async () => {
    rmSync(PWNED, { force: true });
    const result = await openssh([host('reports'), `bash\n${REPORT_SCRIPT}`], `touch ${PWNED}\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/border0: denied: .*control character \(\\n\)/);
    expect(result.stdout).toBe('');
    expect(existsSync(PWNED)).toBe(false);
  }, 30_000);

  it('refuses injected control characters and appended commands (ssh2 library), and runs nothing', async () => {
    const listener = await clientListener(children, env, 'reports', proxyPort);
    for (const command of [
      `bash\n${REPORT_SCRIPT}`,
      `bash\r${REPORT_SCRIPT}`,
      `${REPORT}\ntouch ${PWNED}`,
      `${REPORT}\u0000; touch ${PWNED}`,
      `${REPORT}; touch ${PWNED}`,
      `${REPORT} && touch ${PWNED}`,
      `${REPORT} $(touch ${PWNED})`,
      ` ${REPORT}`,
      `${REPORT}\t`,
    ]) {
      rmSync(PWNED, { force: true });
      const result = await ssh2Exec(listener, command, `touch ${PWNED}\n`);
      expect(result.code, JSON.stringify(command)).toBe(1);
      expect(result.stderr, JSON.stringify(command)).toMatch(/^border0: denied: /);
      expect(result.stdout).toBe('');
      expect(existsSync(PWNED), JSON.stringify(command)).toBe(false);
    }
    // The allowed command itself still runs through the same client.
    expect(await ssh2Exec(listener, REPORT, '')).toMatchObject({ code: 0, stdout: 'report ok\n' });
  }, 60_000);
});

describe('input recording', () => {
  /** Turns echo off, then types a line the terminal never shows; returns what the client saw. */
  const typeUnseen = (socket: string, secret: string) =>
    openssh(['-tt', host(socket)], undefined, async (write, output) => {
      const until = (pattern: RegExp) =>
        eventually(
          async () => output(),
          (text) => pattern.test(text),
          15_000,
        );
      // The marker is computed by the shell, so the echoed command line does not match it.
      write('stty -echo; echo "ECHO-$((40 + 2))"\n');
      await until(/ECHO-42/);
      write(`read -r typed; echo "LEN-\${#typed}"\n`);
      write(`${secret}\n`);
      await until(new RegExp(`LEN-${secret.length}`));
      write('exit\n');
    });

  it('records what the client typed with echo off as i events when the socket asks for it', async () => {
    const before = await sessionIds('typed');
    const secret = `typed-unseen-${process.pid}`;
    const result = await typeUnseen('typed', secret);
    expect(result.code, result.stderr).toBe(0);
    // The terminal never showed it: without input recording there would be no trace of it.
    expect(result.stdout).not.toContain(secret);
    const recording = await recordingOfNewSession('typed', before);
    expect(recording.output).not.toContain(secret);
    expect(recording.input).toContain(`${secret}\n`);
    expect(recording.input).toContain('stty -echo');
  }, 60_000);

  it('records no input at all when the socket does not ask for it (the default)', async () => {
    const before = await sessionIds('untyped');
    const secret = `typed-unseen-${process.pid}`;
    const result = await typeUnseen('untyped', secret);
    expect(result.code, result.stderr).toBe(0);
    const recording = await recordingOfNewSession('untyped', before);
    expect(recording.inputEvents).toBe(0);
    expect(recording.output).not.toContain(secret);
    expect(recording.output).toContain('LEN-');
  }, 60_000);
});
