/**
 * ssh sockets end to end, every part its own process: API (`border0 start`), proxy, connector, a real OpenSSH
 * sshd upstream (one socket per login mode), and the real OpenSSH ssh, scp and sftp through the config that
 * `border0 client ssh-config` writes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { parseAsciicast } from '@border0/protocol';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  eventually,
  freePort,
  type Platform,
  SSHD_TEST_USER,
  type Sshd,
  daemon as startDaemon,
  startPlatform,
  startSshd,
  tempDir,
} from '@border0/testing';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { Terminal } = xterm;
const children: ChildProcess[] = [];
const daemon = (command: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startDaemon(children, command, args, env, ready);

let api: Platform;
let sshd: Sshd;
let env: Record<string, string>;
let work: string;
let sshConfig: string;
let admin: ReturnType<typeof createClient>;
let domain: string;
let forwardPort: number;
let proxyLog: { output: () => string };

/** The upstream's key pair for the private_key socket, made by ssh-keygen. */
async function keyPair(dir: string): Promise<{ file: string; publicKey: string }> {
  const file = join(dir, 'upstream_key');
  await new Promise<void>((resolve, reject) =>
    execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return { file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an OpenSSH tool with the written config, feeding `input`; never hangs past the deadline. */
function openssh(
  tool: 'ssh' | 'scp' | 'sftp',
  args: string[],
  input?: string | Buffer,
  deadlineMs = 60_000,
  extraEnv: Record<string, string> = {},
) {
  return new Promise<Run>((resolve) => {
    const child = spawn(tool, ['-F', sshConfig, ...(process.env.DEBUG_SSH ? ['-v'] : []), ...args], {
      env: { ...process.env, ...env, ...extraEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const host = (socket: string) => `${socket}-${domain}`;

beforeAll(async () => {
  work = tempDir('ssh');
  env = { BORDER0_CONFIG_DIR: join(work, 'config') };
  api = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env);
  env.BORDER0_API_URL = api.url;
  admin = createClient({
    baseUrl: api.url,
    token: readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim(),
  });
  const org = await admin.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });
  domain = org.domain;
  const cas = await admin.get('/api/v1/client/ca');
  const key = await keyPair(work);
  sshd = await startSshd({
    passwordAuthentication: true,
    authorizedKeys: [key.publicKey],
    trustedUserCAKeys: [cas.ssh_upstream_ca_public_key],
  });

  const proxyPort = await freePort();
  const proxyToken = readFileSync(join(work, 'data', 'proxy-token'), 'utf8').trim();
  proxyLog = await daemon(
    process.execPath,
    [BIN, 'proxy', 'start', '--token', proxyToken, '--port', String(proxyPort), '--name', 'p1'],
    { ...env, ...(process.env.DEBUG_SSH && { BORDER0_LOG_LEVEL: 'debug' }) },
    /proxy p1 listening/,
  );
  env.BORDER0_PROXY = `127.0.0.1:${proxyPort}`;
  const connector = await admin.post('/api/v1/connectors', { body: { name: 'lab' } });
  const connectorToken = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: connector.id } },
    body: { name: 'lab' },
  });
  const upstream = { type: 'ssh', hostname: '127.0.0.1', port: sshd.port } as const;
  const socket = (name: string, mode: string, extra: Record<string, unknown>) =>
    admin.post('/api/v1/sockets', {
      body: {
        name,
        socket_type: 'ssh',
        tags: { mode },
        recording_enabled: true,
        connector_ids: [connector.id],
        upstream_configuration: { ...upstream, ...extra } as never,
      },
    });
  // Both secrets live on the connector's host only, as references it resolves (built from a `$` so that no
  // linter takes them for templates).
  const $ = '$';
  await socket('box-pw', 'open', {
    authentication_type: 'username_and_password',
    username: SSHD_TEST_USER,
    password: `${$}{from:env:BOX_PASSWORD}`,
  });
  await socket('box-key', 'strict', {
    authentication_type: 'private_key',
    username: SSHD_TEST_USER,
    private_key: `${$}{from:file:${key.file}}`,
  });
  await socket('box-cert', 'open', {
    authentication_type: 'border0_certificate',
    username_provider: 'prompt_client',
  });

  forwardPort = await freePort();
  const who = { email: ['admin@localhost'] };
  await admin.post('/api/v1/policies', {
    body: {
      name: 'open-boxes',
      tag_rules: [{ mode: 'open' }],
      document: {
        permissions: {
          ssh: {
            shell: {},
            exec: {},
            sftp: {},
            tcp_forwarding: {
              allowed_connections: [
                { destination_address: '127.0.0.1', destination_port: String(forwardPort) },
              ],
            },
            allowed_usernames: [SSHD_TEST_USER],
            agent_forwarding: {},
          },
        },
        condition: { who },
      },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'strict-box',
      tag_rules: [{ mode: 'strict' }],
      document: { permissions: { ssh: { exec: { commands: ['uptime'] } } }, condition: { who } },
    },
  });
  await daemon(
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken.token],
    { ...env, BOX_PASSWORD: sshd.password },
    /connector lab serves/,
  );

  const written = await border0(['client', 'ssh-config'], env);
  expect(written.code, written.stderr).toBe(0);
  sshConfig = join(env.BORDER0_CONFIG_DIR!, 'ssh', `${org.name}.conf`);
}, 90_000);

afterAll(async () => {
  if (process.env.DEBUG_SSH) console.log(proxyLog?.output());
  for (const child of children) child.kill('SIGKILL');
  await sshd?.stop();
  await api?.stop();
});

describe('ssh sockets through proxy and connector', () => {
  it('runs a command in each login mode and carries its exit code', async () => {
    for (const [socket, user] of [
      ['box-pw', 'anyone'],
      ['box-key', ''],
      ['box-cert', SSHD_TEST_USER],
    ] as const) {
      const command = socket === 'box-key' ? 'uptime' : 'echo "hi from $(whoami)"; exit 3';
      const target = user ? `${user}@${host(socket)}` : host(socket);
      const result = await openssh('ssh', [target, command]);
      if (socket === 'box-key') {
        expect(result, `${socket} ${result.stderr}`).toMatchObject({ code: 0 });
        expect(result.stdout).toMatch(/load average/);
      } else {
        expect(result, `${socket} ${result.stderr}`).toMatchObject({
          code: 3,
          stdout: `hi from ${SSHD_TEST_USER}\n`,
        });
      }
    }
    // The upstream logged in with a certificate of the upstream CA whose key id names the session.
    await eventually(
      async () => sshd.log(),
      (log) => /Accepted certificate ID "border0 session \S+ admin@localhost"/.test(log),
      5000,
    );
  }, 60_000);

  it('refuses a command no policy allows, and a login name no policy allows, saying why', async () => {
    const command = await openssh('ssh', [host('box-key'), 'whoami']);
    expect(command.code).toBe(1);
    expect(command.stderr).toMatch(/border0: denied: .*does not allow ssh exec of "whoami"/);
    const login = await openssh('ssh', [`root@${host('box-cert')}`, 'id']);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/border0: denied: .*does not allow ssh access as root/);
    // The session ends as denied, with the reason, once the client is gone.
    await eventually(
      () => admin.get('/api/v1/sessions', { params: { query: { socket: 'box-cert' } } }),
      (page) => page.items.some((s) => s.result === 'denied' && /as root/.test(s.reason ?? '')),
      5000,
    );
  }, 30_000);

  it('copies 100 MB with scp both ways, checksums matching, and lists with sftp', async () => {
    const file = join(work, 'payload.bin');
    const payload = randomBytes(100 * 1024 * 1024);
    writeFileSync(file, payload);
    const digest = createHash('sha256').update(payload).digest('hex');
    const remote = `/tmp/border0-e2e-${process.pid}.bin`;
    const up = await openssh(
      'scp',
      ['-q', file, `${SSHD_TEST_USER}@${host('box-pw')}:${remote}`],
      undefined,
      120_000,
    );
    expect(up, up.stderr).toMatchObject({ code: 0 });
    const sum = await openssh('ssh', [host('box-pw'), `sha256sum ${remote}`]);
    expect(sum.stdout.split(' ')[0]).toBe(digest);
    const back = join(work, 'back.bin');
    const down = await openssh('scp', ['-q', `${host('box-pw')}:${remote}`, back], undefined, 120_000);
    expect(down, down.stderr).toMatchObject({ code: 0 });
    expect(createHash('sha256').update(readFileSync(back)).digest('hex')).toBe(digest);

    const listing = await openssh('sftp', ['-b', '-', host('box-pw')], `ls -1 /tmp\nrm ${remote}\n`);
    expect(listing, listing.stderr).toMatchObject({ code: 0 });
    expect(listing.stdout).toContain(`border0-e2e-${process.pid}.bin`);
    // The file operations are session events.
    const sessions = await admin.get('/api/v1/sessions', { params: { query: { socket: 'box-pw' } } });
    const operations = await eventually(
      async () => {
        const all = await Promise.all(
          sessions.items.map((s) =>
            admin.get('/api/v1/sessions/{session_id}/events', { params: { path: { session_id: s.id } } }),
          ),
        );
        return all.flatMap((page) => page.items).filter((e) => e.type.startsWith('ssh.sftp.'));
      },
      (events) => events.some((e) => e.type === 'ssh.sftp.remove'),
      5000,
    );
    expect(operations).toContainEqual(
      expect.objectContaining({
        type: 'ssh.sftp.open',
        data: expect.objectContaining({ path: remote, mode: 'write' }),
      }),
    );
    expect(operations).toContainEqual(
      expect.objectContaining({ type: 'ssh.sftp.remove', data: { path: remote } }),
    );
  }, 240_000);

  it('forwards a port the policy allows and refuses one it does not', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(forwardPort, '127.0.0.1', resolve));
    try {
      const allowed = await openssh(
        'ssh',
        ['-W', `127.0.0.1:${forwardPort}`, `${SSHD_TEST_USER}@${host('box-cert')}`],
        'ping through\n',
      );
      expect(allowed, allowed.stderr).toMatchObject({ code: 0, stdout: 'ping through\n' });
      const denied = await openssh(
        'ssh',
        ['-W', `127.0.0.1:${forwardPort + 1}`, `${SSHD_TEST_USER}@${host('box-cert')}`],
        'x\n',
      );
      expect(denied.code).toBe(255);
      expect(denied.stderr).toMatch(/forwarding failed/);
    } finally {
      echo.close();
    }
  }, 30_000);

  it('drives an interactive shell through a pty, and its recording replays to the same screen', async () => {
    const sessionsOf = async () =>
      (await admin.get('/api/v1/sessions', { params: { query: { socket: 'box-pw' } } })).items;
    const before = new Set((await sessionsOf()).map((s) => s.id));
    const script = spawn(
      'script',
      ['-qfec', `stty cols 80 rows 24; exec ssh -F ${sshConfig} -tt ${host('box-pw')}`, '/dev/null'],
      { env: { ...process.env, ...env, TERM: 'xterm' } },
    );
    let screen = '';
    script.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => script.once('exit', resolve));
    const until = (pattern: RegExp) =>
      eventually(
        async () => screen,
        (text) => pattern.test(text),
        15_000,
      );
    await until(/\$ $/m);
    script.stdin.write('echo "answer: $((6 * 7))"; printf "\\033[1mbold\\033[0m done\\n"\r');
    await until(/bold.*done/);
    script.stdin.write('exit 7\r');
    // script -e exits with the code of ssh, which is the remote shell's.
    expect(await exited).toBe(7);

    // The one session this test opened, once it has ended (its recording is then complete).
    const session = (
      await eventually(
        sessionsOf,
        (items) => items.some((s) => !before.has(s.id) && s.ended_at !== null),
        10_000,
      )
    ).find((s) => !before.has(s.id))!;
    const recordings = await admin.get('/api/v1/sessions/{session_id}/recordings', {
      params: { path: { session_id: session.id } },
    });
    expect(recordings.items).toHaveLength(1);
    const { data } = await admin.raw.GET('/api/v1/sessions/{session_id}/recordings/{recording_id}', {
      params: { path: { session_id: session.id, recording_id: recordings.items[0]!.id } },
      parseAs: 'text',
    });
    const cast = parseAsciicast(data as string);
    expect(cast.header).toMatchObject({ width: 80, height: 24 });
    const replayed = cast.events
      .filter(([, code]) => code === 'o')
      .map(([, , text]) => text)
      .join('');
    // What the person saw (the client's terminal) and what the recording replays end on the same screen.
    expect(await screenOf(replayed)).toEqual(await screenOf(screen));
    expect(await screenOf(replayed)).toContain('answer: 42');
    // border0 session replay plays the same to the end.
    const replay = await border0(['session', 'replay', session.id, '--to-end'], env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(await screenOf(replay.stdout)).toEqual(await screenOf(screen));
    const events = await admin.get('/api/v1/sessions/{session_id}/events', {
      params: { path: { session_id: session.id } },
    });
    expect(events.items.map((e) => e.type)).toContain('ssh.shell');
  }, 60_000);

  it('border0 client ssh runs a command with its exit code; replay --follow plays a live session', async () => {
    const viaCli = await border0(
      ['client', 'ssh', `${SSHD_TEST_USER}@box-pw`, 'echo via border0; exit 5'],
      env,
    );
    expect(viaCli).toMatchObject({ code: 5, stdout: 'via border0\n' });

    const sessionsOf = async () =>
      (await admin.get('/api/v1/sessions', { params: { query: { socket: 'box-pw' } } })).items;
    const before = new Set((await sessionsOf()).map((session) => session.id));
    const running = openssh('ssh', ['-tt', host('box-pw'), 'for i in 1 2 3; do echo tick $i; sleep 1; done']);
    const fresh = (items: { id: string }[]) => items.filter((session) => !before.has(session.id));
    const live = fresh(await eventually(sessionsOf, (items) => fresh(items).length > 0, 10_000))[0]!;
    // Followed while it runs: the replay ends when the session does, with all of it.
    const followed = await border0(['session', 'replay', live.id, '--follow', '--to-end'], env);
    expect((await running).code).toBe(0);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toMatch(/tick 1\r\ntick 2\r\ntick 3/);
  }, 30_000);

  it('forwards the client’s agent only where a policy allows it', async () => {
    const agentSocket = join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    children.push(agent);
    await eventually(async () => existsSync(agentSocket), Boolean, 5000);
    const agentEnv = { SSH_AUTH_SOCK: agentSocket };
    const added = await new Promise<number | null>((resolve) =>
      spawn('ssh-add', ['-q', join(work, 'upstream_key')], { env: { ...process.env, ...agentEnv } }).once(
        'exit',
        resolve,
      ),
    );
    expect(added).toBe(0);
    const target = `${SSHD_TEST_USER}@${host('box-cert')}`;
    const listed = await openssh('ssh', ['-A', target, 'ssh-add -l'], undefined, 30_000, agentEnv);
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(/ED25519/);
    // The strict box's policy does not allow it: the upstream finds no agent.
    const strict = (commands: string[]) => ({
      params: { path: { policy: 'strict-box' } },
      body: {
        document: {
          permissions: { ssh: { exec: { commands } } },
          condition: { who: { email: ['admin@localhost'] } },
        },
      },
    });
    await admin.patch('/api/v1/policies/{policy}', strict(['ssh-add -l']));
    try {
      const refused = await openssh(
        'ssh',
        ['-A', host('box-key'), 'ssh-add -l'],
        undefined,
        30_000,
        agentEnv,
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toMatch(
        /Could not open a connection to your authentication agent/,
      );
    } finally {
      await admin.patch('/api/v1/policies/{policy}', strict(['uptime']));
      agent.kill();
    }
  }, 30_000);

  it('ends a session at the maximum duration its policy sets', async () => {
    const path = { policy: 'strict-box' };
    const strict = await admin.get('/api/v1/policies/{policy}', { params: { path } });
    await admin.patch('/api/v1/policies/{policy}', {
      params: { path },
      body: {
        document: {
          ...strict.document,
          permissions: {
            ssh: { exec: { commands: ['uptime', 'sleep 30'] }, max_session_duration_seconds: 2 },
          },
        } as never,
      },
    });
    try {
      const started = Date.now();
      const cut = await openssh('ssh', [host('box-key'), 'sleep 30']);
      const seconds = (Date.now() - started) / 1000;
      expect(cut.code).toBe(255);
      expect(cut.stderr).toMatch(/border0: the maximum session duration \(2 s\) was reached/);
      expect(seconds).toBeGreaterThanOrEqual(2);
      expect(seconds).toBeLessThan(6);
    } finally {
      await admin.patch('/api/v1/policies/{policy}', {
        params: { path },
        body: { document: strict.document as never },
      });
    }
  }, 30_000);

  it('ends a live ssh session within 2 s of a termination, and of its policy’s removal', async () => {
    const live = async (socket: string) =>
      (
        await eventually(
          () => admin.get('/api/v1/sessions', { params: { query: { socket, live: 'true' } } }),
          (page) => page.items.length > 0,
          10_000,
        )
      ).items[0]!;
    /** The run, and when it ended. */
    const timed = (run: Promise<Run>) => run.then((result) => ({ ...result, endedAt: Date.now() }));

    const first = timed(openssh('ssh', [host('box-pw'), 'sleep 60']));
    const session = await live('box-pw');
    const asked = Date.now();
    await admin.post('/api/v1/sessions/{session_id}/terminate', {
      params: { path: { session_id: session.id } },
    });
    const result = await first;
    expect(result.endedAt - asked).toBeLessThan(2000);
    expect(result.code).not.toBe(0);

    const policy = await admin.post('/api/v1/policies', {
      body: {
        name: 'temporary',
        tag_rules: [{ mode: 'temporary' }],
        document: { permissions: { ssh: { exec: {} } }, condition: { who: { email: ['admin@localhost'] } } },
      },
    });
    await admin.patch('/api/v1/sockets/{socket}', {
      params: { path: { socket: 'box-key' } },
      body: { tags: { mode: 'temporary' } },
    });
    const second = timed(openssh('ssh', [host('box-key'), 'sleep 60']));
    await live('box-key');
    const removed = Date.now();
    await admin.delete('/api/v1/policies/{policy}', { params: { path: { policy: policy.id } } });
    const ended = await second;
    expect(ended.code).not.toBe(0);
    expect(ended.endedAt - removed).toBeLessThan(2000);
    await admin.patch('/api/v1/sockets/{socket}', {
      params: { path: { socket: 'box-key' } },
      body: { tags: { mode: 'strict' } },
    });
  }, 60_000);

  it('survives garbage, truncated handshakes and 1,000 parallel connections while a session goes on', async () => {
    const proxyPort = Number(env.BORDER0_PROXY!.split(':')[1]);
    const running = openssh('ssh', [host('box-pw'), 'for i in 1 2 3 4; do echo tick $i; sleep 0.5; done']);
    const attempts = Array.from(
      { length: 1000 },
      (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect(proxyPort, '127.0.0.1', () => {
            // Garbage, a truncated TLS hello, or nothing at all.
            if (i % 3 === 0) socket.write(randomBytes(512));
            else if (i % 3 === 1) socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
            setTimeout(() => socket.destroy(), 200);
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        }),
    );
    await Promise.all(attempts);
    const result = await running;
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\ntick 4\n' });

    // Inside a valid client connection: SSH garbage, and a handshake cut off midway.
    const listenerPort = await freePort();
    await daemon(
      process.execPath,
      [BIN, 'client', 'tls', 'box-pw', '--listen', `127.0.0.1:${listenerPort}`],
      env,
      /is at 127\.0\.0\.1/,
    );
    for (const bytes of [randomBytes(4096), Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\x00\x00\x01')]) {
      const socket = connect(listenerPort, '127.0.0.1');
      socket.on('error', () => {});
      // Read what comes (the proxy's SSH banner), so that the end of the stream is seen.
      socket.resume();
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(bytes);
      // The proxy answers garbage by closing; a cut-off handshake is left by the client.
      if (bytes.length > 100) await closed;
      else socket.destroy();
    }
    // A command killed by a signal ssh2 does not know by name (sshd sends BUS@openssh.com) ends alone.
    const killed = await openssh('ssh', [host('box-pw'), 'kill -BUS $$']);
    expect(killed.code).toBe(255);
    const after = await openssh('ssh', [host('box-pw'), 'echo still here']);
    expect(after).toMatchObject({ code: 0, stdout: 'still here\n' });
  }, 90_000);
});

/** The final screen of a terminal that received `output`, line by line, as @xterm/headless renders it. */
async function screenOf(output: string): Promise<string[]> {
  const terminal = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(output, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < terminal.rows; y++)
    lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
  terminal.dispose();
  return lines;
}
