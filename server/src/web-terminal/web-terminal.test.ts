import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

describe('web terminal tickets (pglite)', () => {
  let h: Harness;
  const call = async (path: string, json?: unknown, token?: string) => {
    const res = await h.request(path, {
      method: 'POST',
      ...(json !== undefined && { json }),
      ...(token && { token }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const ssh = {
    type: 'ssh',
    hostname: '127.0.0.1',
    port: 22,
    authentication_type: 'username_and_password',
    username: 'u',
    password: 'p',
  };

  beforeAll(async () => {
    h = await createHarness('pglite');
    for (const name of ['shell', 'sftp-only', 'other']) {
      expect(
        (await call('/api/v1/sockets', { name, socket_type: 'ssh', upstream_configuration: ssh })).status,
      ).toBe(201);
    }
    await call('/api/v1/sockets', {
      name: 'cache',
      socket_type: 'tls',
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
    });
    await call('/api/v1/policies', {
      name: 'shells',
      sockets: ['shell', 'other', 'cache'],
      document: { permissions: { ssh: { shell: {} }, tls: {} }, condition: {} },
    });
    await call('/api/v1/policies', {
      name: 'files',
      sockets: ['sftp-only'],
      document: { permissions: { ssh: { sftp: {} } }, condition: {} },
    });
  });
  afterAll(() => h?.close());

  it('gives nothing while no proxy is live, then a ticket that only the named proxy redeems, for that host', async () => {
    expect((await call('/api/v1/me/sockets/shell/terminal')).status).toBe(409);
    const registered = await call(
      '/api/v1/proxy/register',
      { name: 'p1', public_address: '127.0.0.1:9443' },
      h.proxyToken,
    );
    expect(registered.status).toBeLessThan(300);
    const opened = await call('/api/v1/me/sockets/shell/terminal');
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      url: `wss://shell-${h.orgName}.localhost:9443/.border0/terminal`,
      proxy: 'p1',
    });
    const redeem = (host: string, proxy: string, ticket = opened.body.ticket) =>
      call('/api/v1/proxy/web-terminals', { host, proxy, ticket }, h.proxyToken);
    const host = `shell-${h.orgName}.localhost`;
    const holder = await redeem(host, 'p1');
    expect(holder).toMatchObject({ status: 200, body: { user_email: `owner@${h.orgName}.dev` } });
    expect(holder.body.ticket_id).toMatch(/\S/);
    expect((await redeem(`other-${h.orgName}.localhost`, 'p1')).status).toBe(401);
    expect((await redeem(host, 'p2')).status).toBe(401);
    expect((await redeem(host, 'p1', `${opened.body.ticket}x`)).status).toBe(401);
    expect((await redeem(`cache-${h.orgName}.localhost`, 'p1')).status).toBe(404);
    // Only proxies redeem tickets.
    expect(
      (await call('/api/v1/proxy/web-terminals', { host, proxy: 'p1', ticket: opened.body.ticket })).status,
    ).toBe(403);
  });

  it('refuses a socket whose policies allow no shell, and a socket that is not ssh', async () => {
    const sftp = await call('/api/v1/me/sockets/sftp-only/terminal');
    expect(sftp.status).toBe(403);
    expect(sftp.body.detail).toMatch(/ssh shell/);
    expect((await call('/api/v1/me/sockets/cache/terminal')).status).toBe(409);
    expect((await call('/api/v1/me/sockets/nope/terminal')).status).toBe(404);
  });
});
