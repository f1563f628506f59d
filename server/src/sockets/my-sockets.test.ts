import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { issueToken } from '../tokens/token-store.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

for (const dialect of DIALECTS) {
  describe(`GET /api/v1/me/sockets (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const post = async (path: string, json: unknown) => {
      const res = await h.request(path, { method: 'POST', json });
      expect(res.status, JSON.stringify(await res.clone().json())).toBeLessThan(300);
      return (await res.json()) as Json;
    };
    const mine = async (token: string) => {
      const res = await h.request('/api/v1/me/sockets', { token });
      expect(res.status).toBe(200);
      return ((await res.json()) as Json).items as Json[];
    };
    /** A token of a new member with this role. */
    async function memberToken(email: string, role: string, tokenRole = 'owner') {
      const member = await post('/api/v1/members', { email, role });
      const { secret } = await issueToken(h.services.db, {
        orgId,
        kind: 'admin',
        name: 'test',
        role: tokenRole as 'owner',
        userId: member.user_id,
      });
      return secret;
    }

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = ((await (await h.request('/api/v1/organizations/current')).json()) as Json).id;
      const ssh = {
        type: 'ssh',
        hostname: '127.0.0.1',
        port: 22,
        authentication_type: 'username_and_password',
        username: 'u',
        password: 'p',
      };
      await post('/api/v1/sockets', { name: 'shell', socket_type: 'ssh', upstream_configuration: ssh });
      await post('/api/v1/sockets', { name: 'files', socket_type: 'ssh', upstream_configuration: ssh });
      await post('/api/v1/sockets', {
        name: 'cache',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      });
      await post('/api/v1/sockets', {
        name: 'office',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6380 },
      });
      await post('/api/v1/policies', {
        name: 'alice-shell',
        sockets: ['shell', 'cache'],
        document: {
          permissions: { ssh: { shell: {} }, tls: {} },
          condition: { who: { email: ['alice@acme.dev'] } },
        },
      });
      await post('/api/v1/policies', {
        name: 'alice-sftp',
        sockets: ['files'],
        document: { permissions: { ssh: { sftp: {} } }, condition: { who: { email: ['alice@acme.dev'] } } },
      });
      // Only from an office address: a request that comes from elsewhere (here: no address at all) is denied.
      await post('/api/v1/policies', {
        name: 'office-only',
        sockets: ['office'],
        document: {
          permissions: { tls: {} },
          condition: { who: { email: ['alice@acme.dev'] }, where: { allowed_ip: ['198.51.100.0/24'] } },
        },
      });
    });
    afterAll(() => h?.close());

    it('lists what the policies allow the caller now, with how to connect, and nothing else', async () => {
      const items = await mine(await memberToken('alice@acme.dev', 'member'));
      expect(items.map((s) => s.name)).toEqual(['cache', 'files', 'shell']);
      const [cache, files, shell] = items;
      expect(cache.connect).toEqual({
        dnsname: 'cache-acme.localhost',
        commands: ['border0 client tls cache --listen 127.0.0.1:<port>'],
        url: null,
        web_terminal: false,
      });
      expect(shell.connect.web_terminal).toBe(true);
      expect(shell.connect.commands).toContain('ssh <user>@shell-acme.localhost');
      expect(shell.permissions.ssh.shell).toBe(true);
      // sftp only: usable, but the web terminal needs a shell.
      expect(files.connect.web_terminal).toBe(false);
      expect(cache).not.toHaveProperty('upstream_configuration');
    });

    it('is empty for a member no policy names, a read_only member and a read_only token (default deny)', async () => {
      expect(await mine(await memberToken('bob@acme.dev', 'member'))).toEqual([]);
      // read_only sees every socket through /sockets but uses none.
      await post('/api/v1/policies', {
        name: 'everyone-tls',
        org_wide: true,
        document: { permissions: { tls: {} }, condition: {} },
      });
      expect(await mine(await memberToken('rita@acme.dev', 'read_only'))).toEqual([]);
      expect(await mine(await memberToken('tom@acme.dev', 'admin', 'read_only'))).toEqual([]);
      expect((await mine(await memberToken('carl@acme.dev', 'member'))).map((s) => s.name)).toEqual([
        'cache',
        'office',
      ]);
    });

    it('follows the caller’s standing: a removed member’s token lists nothing', async () => {
      const token = await memberToken('dan@acme.dev', 'member');
      expect((await mine(token)).length).toBeGreaterThan(0);
      expect((await h.request('/api/v1/members/dan@acme.dev', { method: 'DELETE' })).status).toBe(204);
      expect((await h.request('/api/v1/me/sockets', { token })).status).toBe(401);
    });
  });
}
