/** Admin tokens of people: issued to the caller, capped by role, revocable, never listed with secrets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { issueToken } from './token-store.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

for (const dialect of DIALECTS) {
  describe(`tokens (${dialect})`, () => {
    let h: Harness;
    let adminToken: string;
    beforeAll(async () => {
      h = await createHarness(dialect);
      const orgId = (await read(h.request('/api/v1/organizations/current'))).id;
      const admin = await read(
        h.request('/api/v1/members', {
          method: 'POST',
          json: { email: 'adam@acme.dev', role: 'admin' },
        }),
      );
      adminToken = (
        await issueToken(h.services.db, {
          orgId,
          kind: 'admin',
          name: 'cli',
          role: 'admin',
          userId: admin.user_id,
        })
      ).secret;
    });
    afterAll(() => h?.close());

    const create = (json: Record<string, unknown>, token?: string, headers?: Record<string, string>) =>
      h.request('/api/v1/tokens', {
        method: 'POST',
        json,
        ...(token && { token }),
        ...(headers && { headers }),
      });

    it('issues a token to the caller that acts as the caller', async () => {
      const res = await create({ name: 'laptop', role: 'admin' });
      expect(res.status).toBe(201);
      const created = await read(res);
      expect(created).toMatchObject({ name: 'laptop', kind: 'admin', role: 'admin', last_used_at: null });
      expect(created.token).toMatch(/^b0a_/);
      const me = await h.request('/api/v1/organizations/current', { token: created.token });
      expect(me.status).toBe(200);
      expect((await read(me)).role).toBe('admin');
      const list = await read(h.request('/api/v1/tokens'));
      const { token: _secret, last_used_at: _unused, ...metadata } = created;
      const listed = list.items.find((t: { id: string }) => t.id === created.id);
      expect(listed).toMatchObject(metadata);
      // Using the token (the GET above) recorded when it was last used.
      expect(Date.parse(listed.last_used_at)).toBeGreaterThanOrEqual(Date.parse(created.created_at));
      expect(JSON.stringify(list)).not.toContain(created.token);
      expect(Object.keys(list.items[0]).sort()).toEqual(
        ['created_at', 'expires_at', 'id', 'kind', 'last_used_at', 'name', 'role'].sort(),
      );
    });

    it('gives a read_only token reads and 403 on every write', async () => {
      const { token } = await read(create({ name: 'auditor', role: 'read_only' }));
      expect((await h.request('/api/v1/tokens', { token })).status).toBe(200);
      expect((await h.request('/api/v1/members', { token })).status).toBe(200);
      expect((await create({ name: 'more', role: 'read_only' }, token)).status).toBe(403);
      const member = await h.request('/api/v1/members', {
        method: 'POST',
        token,
        json: { email: 'x@acme.dev', role: 'client' },
      });
      expect(member.status).toBe(403);
      const socket = await h.request('/api/v1/sockets', {
        method: 'POST',
        token,
        json: {
          name: 'web',
          socket_type: 'http',
          upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 80 },
        },
      });
      expect(socket.status).toBe(403);
    });

    it('caps the role at the caller’s own', async () => {
      expect((await create({ name: 'up', role: 'owner' }, adminToken)).status).toBe(403);
      expect((await create({ name: 'same', role: 'admin' }, adminToken)).status).toBe(201);
    });

    it('refuses to issue admin tokens to a service account', async () => {
      await h.request('/api/v1/service-accounts', { method: 'POST', json: { name: 'bot', role: 'admin' } });
      const { token } = await read(
        h.request('/api/v1/service-accounts/bot/tokens', { method: 'POST', json: { name: 'bot' } }),
      );
      const res = await create({ name: 'sneaky', role: 'member' }, token);
      expect(res.status).toBe(403);
      expect((await read(res)).detail).toMatch(/person/);
    });

    it('revokes a token: it stops working and is no longer listed', async () => {
      const created = await read(create({ name: 'old', role: 'member' }));
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(200);
      expect((await h.request(`/api/v1/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(401);
      const list = await read(h.request('/api/v1/tokens?limit=500'));
      expect(list.items.map((t: { id: string }) => t.id)).not.toContain(created.id);
      expect((await h.request(`/api/v1/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    });

    it('keeps an admin from revoking an owner’s token', async () => {
      const owners = await read(create({ name: 'owner-ci', role: 'owner' }));
      expect(
        (await h.request(`/api/v1/tokens/${owners.id}`, { method: 'DELETE', token: adminToken })).status,
      ).toBe(403);
      expect((await h.request('/api/v1/sockets', { token: owners.token })).status).toBe(200);
    });

    it('stops a token working after its expiry', async () => {
      const created = await read(
        create({
          name: 'brief',
          role: 'member',
          expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
        }),
      );
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(200);
      await h.services.db
        .updateTable('tokens')
        .set({ expires_at: new Date(Date.now() - 1) })
        .where('id', '=', created.id)
        .execute();
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(401);
    });

    it('rejects an expiry in the past', async () => {
      const res = await create({ name: 'x', role: 'member', expires_at: '2000-01-01T00:00:00Z' });
      expect(res.status).toBe(400);
      expect((await read(res)).errors).toEqual([{ field: 'expires_at', message: 'must be in the future' }]);
    });

    it('replays a create with the same Idempotency-Key and issues one token', async () => {
      const count = async () => (await read(h.request('/api/v1/tokens?limit=500'))).items.length;
      const before = await count();
      const first = await read(
        create({ name: 'ci', role: 'member' }, undefined, { 'idempotency-key': 'k1' }),
      );
      const second = await read(
        create({ name: 'ci', role: 'member' }, undefined, { 'idempotency-key': 'k1' }),
      );
      expect(second).toEqual(first);
      expect(await count()).toBe(before + 1);
      const other = await create({ name: 'cd', role: 'member' }, undefined, { 'idempotency-key': 'k1' });
      expect(other.status).toBe(422);
      expect(await count()).toBe(before + 1);
    });

    it('does not reveal or revoke tokens of another organization', async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      const other = (await read(created)).owner_token;
      const theirs = await read(create({ name: 'theirs', role: 'admin' }, other));
      const list = await read(h.request('/api/v1/tokens?limit=500'));
      expect(list.items.map((t: { id: string }) => t.id)).not.toContain(theirs.id);
      expect((await h.request(`/api/v1/tokens/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await h.request('/api/v1/sockets', { token: theirs.token })).status).toBe(200);
    });
  });
}
