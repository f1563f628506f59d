/** Connectors: status from heartbeats, their tokens, deletion side effects, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

for (const dialect of DIALECTS) {
  describe(`connectors (${dialect})`, () => {
    let h: Harness;
    let dc1: { id: string; name: string };
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(() => h?.close());

    const seen = (id: string, at: Date, version: string | null = '1.4.0') =>
      h.services.db
        .updateTable('connectors')
        .set({ last_seen_at: at, version_reported: version })
        .where('id', '=', id)
        .execute();

    it('creates a connector that is offline until it reports', async () => {
      const res = await h.request('/api/v1/connectors', {
        method: 'POST',
        json: { name: 'dc1', description: 'Frankfurt' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      dc1 = await read(res);
      expect(dc1).toMatchObject({
        name: 'dc1',
        description: 'Frankfurt',
        status: 'offline',
        last_seen_at: null,
        version: null,
      });
      expect(await read(h.request(`/api/v1/connectors/${dc1.id}`))).toEqual(dc1);
      expect((await read(h.request('/api/v1/connectors'))).items).toEqual([dc1]);
    });

    it('is online within 60 seconds of its last report and offline after', async () => {
      await seen(dc1.id, new Date(Date.now() - 5_000));
      const online = await read(h.request('/api/v1/connectors/dc1'));
      expect(online).toMatchObject({ status: 'online', version: '1.4.0' });
      expect(new Date(online.last_seen_at).getTime()).toBeGreaterThan(Date.now() - 10_000);
      await seen(dc1.id, new Date(Date.now() - 61_000));
      expect((await read(h.request('/api/v1/connectors/dc1'))).status).toBe('offline');
    });

    it('refuses a duplicate name', async () => {
      const res = await h.request('/api/v1/connectors', { method: 'POST', json: { name: 'dc1' } });
      expect(res.status).toBe(409);
      expect((await read(res)).errors).toEqual([{ field: 'name', message: 'already exists' }]);
    });

    it('updates with If-Match, refusing a stale one', async () => {
      const stale = await h.request('/api/v1/connectors/dc1', {
        method: 'PATCH',
        json: { description: 'x' },
        headers: { 'if-match': '"9"' },
      });
      expect(stale.status).toBe(412);
      const ok = await h.request('/api/v1/connectors/dc1', {
        method: 'PATCH',
        json: { description: null },
        headers: { 'if-match': '"1"' },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe('"2"');
      expect((await read(ok)).description).toBeNull();
    });

    it('issues connector tokens that cannot use the API', async () => {
      const res = await h.request('/api/v1/connectors/dc1/tokens', {
        method: 'POST',
        json: { name: 'install' },
      });
      expect(res.status).toBe(201);
      const created = await read(res);
      expect(created).toMatchObject({ name: 'install', kind: 'connector', role: 'client' });
      expect(created.token).toMatch(/^b0c_/);
      const api = await h.request('/api/v1/sockets', { token: created.token });
      expect(api.status).toBe(403);
      const list = await read(h.request('/api/v1/connectors/dc1/tokens'));
      // The token was used above, so its last use is recorded; everything else is as created.
      const { token: _secret, last_used_at: _unused, ...metadata } = created;
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject(metadata);
      expect(list.items[0].last_used_at).not.toBeNull();
      // Connector tokens are not admin tokens.
      const admin = await read(h.request('/api/v1/tokens?limit=500'));
      expect(admin.items.map((t: { id: string }) => t.id)).not.toContain(created.id);
    });

    it('revokes a connector token', async () => {
      const created = await read(
        h.request('/api/v1/connectors/dc1/tokens', { method: 'POST', json: { name: 'rotate' } }),
      );
      expect(
        (await h.request(`/api/v1/connectors/dc1/tokens/${created.id}`, { method: 'DELETE' })).status,
      ).toBe(204);
      expect((await h.request('/api/v1/sockets', { token: created.token })).status).toBe(401);
      const ids = (await read(h.request('/api/v1/connectors/dc1/tokens'))).items.map(
        (t: { id: string }) => t.id,
      );
      expect(ids).not.toContain(created.id);
    });

    it('replays a token create with the same Idempotency-Key', async () => {
      const send = () =>
        h.request('/api/v1/connectors/dc1/tokens', {
          method: 'POST',
          json: { name: 'enrol' },
          headers: { 'idempotency-key': 'enrol-dc1' },
        });
      const first = await read(send());
      const second = await read(send());
      expect(second.id).toBe(first.id);
      const list = await read(h.request('/api/v1/connectors/dc1/tokens'));
      expect(list.items.filter((t: { name: string }) => t.name === 'enrol')).toHaveLength(1);
    });

    it('gives read_only tokens reads only', async () => {
      const { token } = await read(
        h.request('/api/v1/tokens', { method: 'POST', json: { name: 'ro', role: 'read_only' } }),
      );
      expect((await h.request('/api/v1/connectors/dc1', { token })).status).toBe(200);
      expect(
        (await h.request('/api/v1/connectors', { method: 'POST', token, json: { name: 'dc9' } })).status,
      ).toBe(403);
      const mint = await h.request('/api/v1/connectors/dc1/tokens', {
        method: 'POST',
        token,
        json: { name: 'x' },
      });
      expect(mint.status).toBe(403);
    });

    it('deleting a connector revokes its tokens and detaches it from sockets', async () => {
      const dc2 = await read(h.request('/api/v1/connectors', { method: 'POST', json: { name: 'dc2' } }));
      const { token } = await read(
        h.request('/api/v1/connectors/dc2/tokens', { method: 'POST', json: { name: 'install' } }),
      );
      const socket = await h.request('/api/v1/sockets', {
        method: 'POST',
        json: {
          name: 'web',
          socket_type: 'http',
          connector_ids: [dc1.id, dc2.id],
          upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
        },
      });
      expect(socket.status).toBe(201);

      expect((await h.request('/api/v1/connectors/dc2', { method: 'DELETE' })).status).toBe(204);
      expect((await h.request('/api/v1/connectors/dc2')).status).toBe(404);
      // A connector token fails authentication (401) once revoked, not authorization (403).
      expect((await h.request('/api/v1/sockets', { token })).status).toBe(401);
      const web = await h.request('/api/v1/sockets/web');
      expect((await read(web)).connector_ids).toEqual([dc1.id]);
      expect(web.headers.get('etag')).toBe('"2"');
    });

    it('does not reveal or change connectors of another organization', async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      const other = (await read(created)).owner_token;
      const theirs = await read(
        h.request('/api/v1/connectors', { method: 'POST', token: other, json: { name: 'dc1' } }),
      );
      const theirToken = await read(
        h.request('/api/v1/connectors/dc1/tokens', {
          method: 'POST',
          token: other,
          json: { name: 't' },
        }),
      );
      expect((await h.request(`/api/v1/connectors/${theirs.id}`)).status).toBe(404);
      expect(
        (await h.request(`/api/v1/connectors/${theirs.id}`, { method: 'PATCH', json: { description: 'x' } }))
          .status,
      ).toBe(404);
      expect((await h.request(`/api/v1/connectors/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await h.request(`/api/v1/connectors/${theirs.id}/tokens`)).status).toBe(404);
      expect(
        (await h.request(`/api/v1/connectors/dc1/tokens/${theirToken.id}`, { method: 'DELETE' })).status,
      ).toBe(404);
      expect((await read(h.request('/api/v1/connectors/dc1'))).id).toBe(dc1.id);
    });
  });
}
