/**
 * The soak test's platform, every part its own process as a user would run it: the API (`border0 start
 * --no-proxy`, PGlite), the proxy (`border0 proxy start` with its default limits, the memory probe preloaded),
 * a connector, a real sshd upstream, an ssh socket and a policy, the OpenSSH config of `border0 client
 * ssh-config`, and a client certificate for the attacker's logged-in connections.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@border0/sdk';
import {
  BIN,
  border0,
  daemon,
  freePort,
  type Platform,
  SSHD_TEST_USER,
  startPlatform,
  startSshd,
  stopChild,
} from '@border0/testing';
import { clientCredentials } from './client-credentials.js';

export interface Stack {
  work: string;
  sshConfig: string;
  host: string;
  dnsname: string;
  admin: ReturnType<typeof createClient>;
  proxy: { child: ChildProcess; output: () => string; port: number; memoryFile: string };
  credentials: { key: string; cert: string };
}

/** Starts everything; `undo` gets what is to be undone, to run last first. */
export async function setUp(undo: (() => unknown)[]): Promise<Stack> {
  const work = mkdtempSync(join(tmpdir(), 'border0-soak-'));
  undo.push(() => rmSync(work, { recursive: true, force: true }));
  const key = join(work, 'id_ed25519');
  await new Promise<void>((resolve, reject) =>
    spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh-keygen exited with ${code}`)),
    ),
  );
  const sshd = await startSshd({ authorizedKeys: [readFileSync(`${key}.pub`, 'utf8')] });
  undo.push(() => sshd.stop());

  const env: Record<string, string> = { BORDER0_CONFIG_DIR: join(work, 'config') };
  const api: Platform = await startPlatform(['--data-dir', join(work, 'data'), '--no-proxy'], env);
  // After the proxy and the connector (undone last first), which hold streams open to it; killed if slow.
  undo.push(() => {
    const kill = setTimeout(() => api.process.kill('SIGKILL'), 10_000);
    return api.stop().finally(() => clearTimeout(kill));
  });
  const daemons: ChildProcess[] = [];
  undo.push(() => Promise.all(daemons.map((child) => stopChild(child))));
  env.BORDER0_API_URL = api.url;
  const adminToken = readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim();
  const admin = createClient({ baseUrl: api.url, token: adminToken });
  const org = await admin.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });

  const port = await freePort();
  const memoryFile = join(work, 'proxy-memory.json');
  const proxyToken = readFileSync(join(work, 'data', 'proxy-token'), 'utf8').trim();
  const probe = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));
  const proxy = await daemon(
    daemons,
    process.execPath,
    [
      '--require',
      probe,
      '--expose-gc',
      BIN,
      'proxy',
      'start',
      '--token',
      proxyToken,
      '--port',
      String(port),
    ].concat(['--name', 'soak']),
    { ...env, BORDER0_SOAK_MEMORY_FILE: memoryFile },
    /proxy soak listening/,
  );
  env.BORDER0_PROXY = `127.0.0.1:${port}`;
  // A proxy that dies under the flood is the finding: say so with what it said last.
  const died = (code: number | null, signal: string | null) =>
    console.error(`\nthe proxy exited (${signal ?? code}); its last words:\n${proxy.output().slice(-6000)}`);
  proxy.child.once('exit', died);
  undo.push(() => proxy.child.off('exit', died));

  const lab = await admin.post('/api/v1/connectors', { body: { name: 'soak' } });
  const connectorToken = await admin.post('/api/v1/connectors/{connector}/tokens', {
    params: { path: { connector: lab.id } },
    body: { name: 'soak' },
  });
  const socket = await admin.post('/api/v1/sockets', {
    body: {
      name: 'soak-box',
      socket_type: 'ssh',
      connector_ids: [lab.id],
      upstream_configuration: {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: sshd.port,
        authentication_type: 'private_key',
        username: SSHD_TEST_USER,
        private_key: readFileSync(key, 'utf8'),
      },
    },
  });
  await admin.post('/api/v1/policies', {
    body: {
      name: 'soak-ssh',
      org_wide: true,
      document: {
        permissions: { ssh: { shell: {}, exec: {} } },
        condition: { who: { email: ['admin@localhost'] } },
      },
    },
  });
  await daemon(
    daemons,
    process.execPath,
    [BIN, 'connector', 'start', '--token', connectorToken.token],
    env,
    /connector soak serves/,
  );
  const written = await border0(['client', 'ssh-config'], env);
  if (written.code !== 0) throw new Error(`border0 client ssh-config failed: ${written.stderr}`);
  const sshConfig = join(env.BORDER0_CONFIG_DIR!, 'ssh', `${org.name}.conf`);
  // The config's own settings first; these only keep the run quiet and unattended.
  writeFileSync(
    sshConfig,
    `${readFileSync(sshConfig, 'utf8')}\nHost *\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  LogLevel ERROR\n`,
  );
  const { key: clientKey, cert } = await clientCredentials(api.url, adminToken);
  return {
    work,
    sshConfig,
    host: `${SSHD_TEST_USER}@${socket.dnsname}`,
    dnsname: socket.dnsname,
    admin,
    proxy: { child: proxy.child, output: proxy.output, port, memoryFile },
    credentials: { key: clientKey, cert },
  };
}
