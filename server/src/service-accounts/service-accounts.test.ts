/** Service accounts and their tokens: what a token can do, revocation, expiry, role rules, isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

const DAY_MS = 24 * 60 * 60 * 1000;
const socket = (name: string) => ({
  name,
  socket_type: 'http',
  upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
});

for (const dialect of DIALECTS) {
  describe(`service accounts (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(() => h?.close());

    async function tokenOf(account: string, body: Record<string, unknown> = { name: 'ci' }) {
      const res = await h.request(`/api/v1/service-accounts/${account}/tokens`, {
        method: 'POST',
        json: body,
      });
      expect(res.status).toBe(201);
      return read(res);
    }

    it('creates an account, addressable by name or id', async () => {
      const res = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'ci-bot', description: 'CI', role: 'read_only' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      const account = await read(res);
      expect(account).toMatchObject({ name: 'ci-bot', description: 'CI', role: 'read_only' });
      expect(await read(h.request(`/api/v1/service-accounts/${account.id}`))).toEqual(account);
      expect(await read(h.request('/api/v1/service-accounts/ci-bot'))).toEqual(account);
      expect((await read(h.request('/api/v1/service-accounts'))).items).toEqual([account]);
    });

    it('refuses a duplicate name and a name that is not a DNS label', async () => {
      const dup = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'ci-bot', role: 'member' },
      });
      expect(dup.status).toBe(409);
      const bad = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'CI Bot', role: 'member' },
      });
      expect(bad.status).toBe(400);
      expect((await read(bad)).errors[0].field).toBe('name');
    });

    it('issues a token that authenticates with the account’s role, and never lists its secret', async () => {
      const created = await tokenOf('ci-bot');
      expect(created).toMatchObject({
        name: 'ci',
        kind: 'service_account',
        role: 'read_only',
        last_used_at: null,
      });
      expect(created.token).toMatch(/^b0s_/);
      const expires = new Date(created.expires_at).getTime();
      expect(Math.abs(expires - (Date.now() + 90 * DAY_MS))).toBeLessThan(60_000);

      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(200);
      const write = await h.request('/api/v1/sockets', {
        method: 'POST',
        token: created.token,
        json: socket('web'),
      });
      expect(write.status).toBe(403);

      const list = await read(h.request('/api/v1/service-accounts/ci-bot/tokens'));
      // The token was used above, so its last use is recorded; everything else is as created.
      const { token: _secret, last_used_at: _unused, ...metadata } = created;
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject(metadata);
      expect(list.items[0].last_used_at).not.toBeNull();
      expect(JSON.stringify(list)).not.toContain(created.token);
      expect(JSON.stringify(list)).not.toContain('secret_hash');
    });

    it('applies a new role of the account to its existing tokens at once', async () => {
      const { token } = await tokenOf('ci-bot');
      const update = await h.request('/api/v1/service-accounts/ci-bot', {
        method: 'PATCH',
        json: { role: 'admin' },
        headers: { 'if-match': '"1"' },
      });
      expect(update.status).toBe(200);
      expect(update.headers.get('etag')).toBe('"2"');
      const write = await h.request('/api/v1/sockets', { method: 'POST', token, json: socket('api') });
      expect(write.status).toBe(201);
      const list = await read(h.request('/api/v1/service-accounts/ci-bot/tokens'));
      expect(list.items.map((t: { role: string }) => t.role)).toEqual(['admin', 'admin']);
    });

    it('refuses an update with a stale If-Match', async () => {
      const res = await h.request('/api/v1/service-accounts/ci-bot', {
        method: 'PATCH',
        json: { description: 'late' },
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(412);
    });

    it('stops a token working once it is deleted', async () => {
      const created = await tokenOf('ci-bot', { name: 'temporary' });
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(200);
      const del = await h.request(`/api/v1/service-accounts/ci-bot/tokens/${created.id}`, {
        method: 'DELETE',
      });
      expect(del.status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(401);
      const again = await h.request(`/api/v1/service-accounts/ci-bot/tokens/${created.id}`, {
        method: 'DELETE',
      });
      expect(again.status).toBe(404);
    });

    it('stops a token working once it expires', async () => {
      const created = await tokenOf('ci-bot', {
        name: 'short',
        expires_at: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
      });
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(200);
      await h.services.db
        .updateTable('tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', created.id)
        .execute();
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(401);
    });

    it('requires an expiry in the future and at most a year ahead', async () => {
      for (const expires_at of [
        new Date(Date.now() - 1000).toISOString(),
        new Date(Date.now() + 400 * DAY_MS).toISOString(),
      ]) {
        const res = await h.request('/api/v1/service-accounts/ci-bot/tokens', {
          method: 'POST',
          json: { name: 'x', expires_at },
        });
        expect(res.status).toBe(400);
        expect((await read(res)).errors[0].field).toBe('expires_at');
      }
      const notADate = await h.request('/api/v1/service-accounts/ci-bot/tokens', {
        method: 'POST',
        json: { name: 'x', expires_at: 'tomorrow' },
      });
      expect(notADate.status).toBe(400);
    });

    it('replays a token create with the same Idempotency-Key: same token, nothing new issued', async () => {
      const before = (await read(h.request('/api/v1/service-accounts/ci-bot/tokens?limit=500'))).items.length;
      const send = () =>
        h.request('/api/v1/service-accounts/ci-bot/tokens', {
          method: 'POST',
          json: { name: 'deploy' },
          headers: { 'idempotency-key': 'deploy-token-1' },
        });
      const first = await read(send());
      const replay = await send();
      expect(replay.status).toBe(201);
      const second = await read(replay);
      expect(second.id).toBe(first.id);
      expect(second.token).toBe(first.token);
      const after = (await read(h.request('/api/v1/service-accounts/ci-bot/tokens?limit=500'))).items.length;
      expect(after).toBe(before + 1);
      // The stored response does not hold a usable secret.
      const stored = await h.services.db.selectFrom('idempotency_keys').select('response').execute();
      expect(stored.map((s) => s.response).join()).not.toContain(first.token);
    });

    it('keeps an admin from creating, managing or minting tokens for owner accounts', async () => {
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'root-bot', role: 'owner' },
      });
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'admin-bot', role: 'admin' },
      });
      const { token } = await tokenOf('admin-bot');
      const create = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        token,
        json: { name: 'evil', role: 'owner' },
      });
      expect(create.status).toBe(403);
      const escalate = await h.request('/api/v1/service-accounts/admin-bot', {
        method: 'PATCH',
        token,
        json: { role: 'owner' },
      });
      expect(escalate.status).toBe(403);
      const mint = await h.request('/api/v1/service-accounts/root-bot/tokens', {
        method: 'POST',
        token,
        json: { name: 'steal' },
      });
      expect(mint.status).toBe(403);
      expect((await h.request('/api/v1/service-accounts/root-bot', { method: 'DELETE', token })).status).toBe(
        403,
      );
      const member = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        token,
        json: { name: 'helper', role: 'member' },
      });
      expect(member.status).toBe(201);
    });

    it('does not reveal or change accounts or tokens of another organization', async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      const other = (await read(created)).owner_token;
      const theirs = await read(
        h.request('/api/v1/service-accounts', {
          method: 'POST',
          token: other,
          json: { name: 'bot', role: 'admin' },
        }),
      );
      const theirToken = await read(
        h.request('/api/v1/service-accounts/bot/tokens', {
          method: 'POST',
          token: other,
          json: { name: 't' },
        }),
      );
      expect((await h.request(`/api/v1/service-accounts/${theirs.id}`)).status).toBe(404);
      expect((await h.request(`/api/v1/service-accounts/${theirs.id}/tokens`)).status).toBe(404);
      expect(
        (
          await h.request(`/api/v1/service-accounts/${theirs.id}/tokens`, {
            method: 'POST',
            json: { name: 'x' },
          })
        ).status,
      ).toBe(404);
      // Their token id under one of our accounts is not found either.
      const del = await h.request(`/api/v1/service-accounts/ci-bot/tokens/${theirToken.id}`, {
        method: 'DELETE',
      });
      expect(del.status).toBe(404);
      expect((await h.request('/api/v1/sockets', { token: theirToken.token })).status).toBe(200);
      // Their token sees their organization only.
      expect((await read(h.request('/api/v1/service-accounts', { token: theirToken.token }))).items).toEqual([
        theirs,
      ]);
    });

    it('deleting an account revokes its tokens', async () => {
      await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'gone', role: 'read_only' },
      });
      const { token } = await tokenOf('gone');
      expect((await h.request('/api/v1/sockets', { token })).status).toBe(200);
      expect((await h.request('/api/v1/service-accounts/gone', { method: 'DELETE' })).status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token })).status).toBe(401);
      expect((await h.request('/api/v1/service-accounts/gone')).status).toBe(404);
    });
  });
}
