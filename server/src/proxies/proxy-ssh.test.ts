/**
 * What a proxy learns about an ssh socket's upstream during a live session: the login in each mode (a
 * certificate of the upstream CA, checked by ssh-keygen), host keys trusted on first use and then required,
 * and nothing for sessions that are not live.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Border0Client, type Border0Error, createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { createSshKey } from '../../test/support/client-keys.js';

describe('proxy ssh upstream (pglite)', () => {
  let h: Harness;
  let admin: Border0Client;
  let proxy: Border0Client;
  let dir: string;

  beforeAll(async () => {
    h = await createHarness('pglite');
    admin = createClient({ baseUrl: 'http://test', token: h.ownerToken, fetch: h.fetch });
    proxy = createClient({ baseUrl: 'http://test', token: h.proxyToken, fetch: h.fetch });
    dir = mkdtempSync(join(tmpdir(), 'proxy-ssh-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let counter = 0;
  const sshSocket = (upstream: Record<string, unknown>) =>
    admin.post('/api/v1/sockets', {
      body: {
        name: `ssh-${++counter}`,
        socket_type: 'ssh',
        upstream_configuration: { type: 'ssh', hostname: '127.0.0.1', port: 2222, ...upstream } as never,
      },
    });
  const liveSession = (socketId: string) =>
    proxy.post('/api/v1/proxy/sessions', {
      body: { socket_id: socketId, user_email: 'owner@example.dev', result: 'allowed' },
    });
  const upstreamOf = (sessionId: string, body: { login_name?: string; public_key?: string } = {}) =>
    proxy.post('/api/v1/proxy/sessions/{session_id}/ssh-upstream', {
      params: { path: { session_id: sessionId } },
      body,
    });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as Border0Error,
    );

  it('hands out the password or the private key of a live session, never to an admin token', async () => {
    const withPassword = await sshSocket({
      authentication_type: 'username_and_password',
      username: 'deploy',
      password: 'hunter2-but-longer',
    });
    const session = await liveSession(withPassword.id);
    expect(await upstreamOf(session.id)).toEqual({
      hostname: '127.0.0.1',
      port: 2222,
      authentication_type: 'username_and_password',
      login_name: 'deploy',
      password: 'hunter2-but-longer',
      host_key: null,
    });
    const privateKey = createSshKey().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const withKey = await sshSocket({
      authentication_type: 'private_key',
      username: 'deploy',
      private_key: privateKey,
    });
    const keyed = await upstreamOf((await liveSession(withKey.id)).id);
    expect(keyed.private_key).toBe(privateKey);
    expect(keyed.password).toBeUndefined();

    const asAdmin = await failure(
      admin.post('/api/v1/proxy/sessions/{session_id}/ssh-upstream', {
        params: { path: { session_id: session.id } },
        body: {},
      }),
    );
    expect(asAdmin?.status).toBe(403);
  });

  it('certifies the proxy’s key with the upstream CA, for the login name the client picked', async () => {
    const socket = await sshSocket({
      authentication_type: 'border0_certificate',
      username_provider: 'prompt_client',
    });
    const session = await liveSession(socket.id);
    expect((await failure(upstreamOf(session.id)))?.errors[0]?.field).toBe('login_name');
    const key = createSshKey();
    const answer = await upstreamOf(session.id, { login_name: 'ubuntu', public_key: key.publicKeyLine });
    expect(answer.login_name).toBe('ubuntu');
    writeFileSync(join(dir, 'cert.pub'), `${answer.certificate}\n`);
    const shown = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'cert.pub')], { encoding: 'utf8' });
    expect(shown).toMatch(/Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
    expect(shown).toContain(`Key ID: "border0 session ${session.id} owner@example.dev"`);
    expect(shown).toMatch(/Principals:\s+ubuntu\s/);
    const validity = shown.match(/Valid: from (\S+) to (\S+)/)!;
    const minutes = (Date.parse(`${validity[2]}Z`) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4);
    expect(minutes).toBeLessThanOrEqual(5);

    // Signed by the upstream CA, which is not the CA of the certificates clients present.
    const cas = await admin.get('/api/v1/client/ca');
    expect(cas.ssh_upstream_ca_public_key).not.toBe(cas.ssh_ca_public_key);
    const caBlob = cas.ssh_upstream_ca_public_key.split(' ')[1]!;
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', '-'], {
      input: `ssh-ed25519 ${caBlob}\n`,
      encoding: 'utf8',
    }).split(' ')[1];
    expect(shown).toContain(`Signing CA: ED25519 ${fingerprint}`);
  });

  it('trusts the first host key, then only that one, until an admin clears it', async () => {
    const socket = await sshSocket({
      authentication_type: 'username_and_password',
      username: 'x',
      password: 'pw-pw-pw',
    });
    const session = await liveSession(socket.id);
    const verify = (hostKey: string) =>
      proxy.put('/api/v1/proxy/sessions/{session_id}/ssh-host-key', {
        params: { path: { session_id: session.id } },
        body: { host_key: hostKey },
      });
    const first = createSshKey().publicKeyLine;
    expect(await verify(first)).toMatchObject({
      trust: 'first_use',
      fingerprint: expect.stringMatching(/^SHA256:/),
    });
    expect((await verify(first)).trust).toBe('known');
    expect((await upstreamOf(session.id)).host_key).toBe(first.split(' ').slice(0, 2).join(' '));
    const other = await failure(verify(createSshKey().publicKeyLine));
    expect(other?.status).toBe(409);
    expect(other?.detail).toMatch(/host key changed/);

    const shown = await admin.get('/api/v1/sockets/{socket}', { params: { path: { socket: socket.id } } });
    expect((shown.upstream_configuration as { host_key: string }).host_key).toMatch(/^ssh-ed25519 /);
    await admin.delete('/api/v1/sockets/{socket}/ssh-host-key', { params: { path: { socket: socket.id } } });
    expect((await verify(createSshKey().publicKeyLine)).trust).toBe('first_use');

    // Pointing the socket at another host starts trust over, too.
    await admin.patch('/api/v1/sockets/{socket}', {
      params: { path: { socket: socket.id } },
      body: {
        upstream_configuration: {
          type: 'ssh',
          hostname: '10.0.0.9',
          port: 22,
          authentication_type: 'username_and_password',
          username: 'x',
        },
      },
    });
    expect((await verify(first)).trust).toBe('first_use');
    const audit = await admin.get('/api/v1/audit', { params: { query: { resource_type: 'socket' } } });
    const actions = audit.items.filter((e) => e.resource_id === socket.id).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['socket.ssh_host_key.trust', 'socket.ssh_host_key.clear']),
    );
  });

  it('starts trust over when a connector’s declaration moves the socket to another host', async () => {
    const connector = await admin.post('/api/v1/connectors', { body: { name: 'declaring' } });
    const { token } = await admin.post('/api/v1/connectors/{connector}/tokens', {
      params: { path: { connector: connector.id } },
      body: { name: 'declaring' },
    });
    const asConnector = createClient({ baseUrl: 'http://test', token, fetch: h.fetch });
    const declare = (hostname: string) =>
      asConnector.put('/api/v1/connector/sockets/{name}', {
        params: { path: { name: 'declared-box' } },
        body: {
          socket_type: 'ssh',
          upstream_configuration: {
            type: 'ssh',
            hostname,
            port: 22,
            authentication_type: 'username_and_password',
            username: 'x',
            password: 'pw-pw-pw',
          },
        },
      });
    const socket = await declare('10.0.0.1');
    const session = await liveSession(socket.id);
    await proxy.put('/api/v1/proxy/sessions/{session_id}/ssh-host-key', {
      params: { path: { session_id: session.id } },
      body: { host_key: createSshKey().publicKeyLine },
    });
    expect((await declare('10.0.0.1')).upstream_configuration).toMatchObject({
      host_key: expect.any(String),
    });
    expect((await declare('10.0.0.2')).upstream_configuration).toMatchObject({ host_key: null });
  });

  it('gives nothing for an ended or denied session, nor for another kind of socket', async () => {
    const socket = await sshSocket({
      authentication_type: 'username_and_password',
      username: 'x',
      password: 'pw-pw-pw',
    });
    const session = await liveSession(socket.id);
    await proxy.patch('/api/v1/proxy/sessions/{session_id}', {
      params: { path: { session_id: session.id } },
      body: { ended: true },
    });
    expect((await failure(upstreamOf(session.id)))?.status).toBe(409);
    const denied = await proxy.post('/api/v1/proxy/sessions', {
      body: { socket_id: socket.id, user_email: 'owner@example.dev', result: 'denied', reason: 'no policy' },
    });
    expect((await failure(upstreamOf(denied.id)))?.status).toBe(409);
    const tls = await admin.post('/api/v1/sockets', {
      body: {
        name: 'not-ssh',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      },
    });
    expect((await failure(upstreamOf((await liveSession(tls.id)).id)))?.status).toBe(409);
    expect((await failure(upstreamOf('0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e')))?.status).toBe(404);
  });
});
