/**
 * HTTP semantics every resource shares: `If-Match` compares strongly (RFC 9110 §13.1.1), and every 401 carries
 * a Bearer challenge (RFC 9110 §11.6.1, RFC 6750 §3).
 */
import { createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { operations } from './support/spec.js';
import { buildWorld, storeDigest, validRequests, type World } from './support/world.js';

describe('HTTP semantics (pglite)', () => {
  let h: Harness;
  let world: World;
  beforeAll(async () => {
    h = await createHarness('pglite');
    const client = (token: string) =>
      createClient({ baseUrl: 'http://test', token, fetch: async (r) => h.app.fetch(r) });
    world = await buildWorld(client(h.ownerToken), 'http', client(h.proxyToken));
  });
  afterAll(() => h?.close());

  /** One versioned item of each kind, and a change its update accepts. */
  const versioned = () => [
    { path: `/api/v1/groups/${world.groupId}`, change: { description: 'changed' } },
    { path: `/api/v1/sockets/${world.socketId}`, change: { description: 'changed' } },
    { path: `/api/v1/policies/${world.policyId}`, change: { description: 'changed' } },
    { path: `/api/v1/service-accounts/${world.serviceAccountId}`, change: { description: 'changed' } },
    { path: `/api/v1/connectors/${world.connectorId}`, change: { description: 'changed' } },
    { path: `/api/v1/members/${world.memberEmail}`, change: { role: 'read_only' } },
    { path: '/api/v1/organizations/current', change: { display_name: 'Changed' } },
  ];

  const etagOf = async (path: string) => (await h.request(path)).headers.get('etag')!;

  describe('If-Match', () => {
    it('refuses a weak ETag of the current version on every update and delete, changing nothing', async () => {
      for (const { path, change } of versioned()) {
        const etag = await etagOf(path);
        expect(etag, path).toMatch(/^"\d+"$/);
        const before = await storeDigest(h.services.db);
        for (const weak of [`W/${etag}`, `w/${etag}`, ` W/${etag} `]) {
          const update = await h.request(path, {
            method: 'PATCH',
            json: change,
            headers: { 'if-match': weak },
          });
          expect(update.status, `PATCH ${path} If-Match ${weak}`).toBe(412);
          const problem = (await update.json()) as { type: string };
          expect(problem.type).toBe('/problems/precondition-failed');
        }
        if (!path.includes('/organizations/')) {
          const remove = await h.request(path, { method: 'DELETE', headers: { 'if-match': `W/${etag}` } });
          expect(remove.status, `DELETE ${path}`).toBe(412);
        }
        expect(await storeDigest(h.services.db), path).toBe(before);
        expect(await etagOf(path)).toBe(etag);
      }
    });

    it('says why a weak tag of the right version was refused', async () => {
      const path = `/api/v1/groups/${world.groupId}`;
      const etag = await etagOf(path);
      const res = await h.request(path, {
        method: 'PATCH',
        json: { description: 'x' },
        headers: { 'if-match': `W/${etag}` },
      });
      expect(((await res.json()) as { detail: string }).detail).toContain('weak ETag never matches');
    });

    it('accepts the strong tag, `*`, or a list that holds the strong tag', async () => {
      for (const { path, change } of versioned().filter((v) => !v.path.includes('/members/'))) {
        for (const ifMatch of [(etag: string) => etag, () => '*', (etag: string) => `W/${etag}, ${etag}`]) {
          const header = ifMatch(await etagOf(path));
          const res = await h.request(path, {
            method: 'PATCH',
            json: change,
            headers: { 'if-match': header },
          });
          expect(res.status, `PATCH ${path} If-Match ${header}`).toBe(200);
        }
      }
    });

    it('refuses another version, strong or weak, and garbage', async () => {
      const path = `/api/v1/groups/${world.groupId}`;
      for (const header of ['"999"', 'W/"999"', '3', 'W/', '""', ',']) {
        const res = await h.request(path, {
          method: 'PATCH',
          json: { description: 'x' },
          headers: { 'if-match': header },
        });
        expect(res.status, header).toBe(412);
      }
    });
  });

  describe('WWW-Authenticate on 401', () => {
    const bare = 'Bearer realm="border0"';

    it('challenges every operation that takes a token when none is sent, without an error code', async () => {
      const requests = new Map(validRequests(world));
      const guarded = operations.filter((op) => op.caller !== 'public');
      expect(guarded.length).toBeGreaterThan(40);
      for (const op of guarded) {
        const path = op.path.replace(
          /\{(\w+)\}/g,
          (_, name: string) => requests.get(op.operationId)?.path?.[name] ?? 'x',
        );
        const res = await h.request(path, { method: op.method, token: null });
        expect(res.status, `${op.operationId} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate'), op.operationId).toBe(bare);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        await res.body?.cancel();
      }
    });

    it('answers a token that is unknown, malformed or revoked with error="invalid_token"', async () => {
      const created = (await (
        await h.request('/api/v1/tokens', { method: 'POST', json: { name: 'soon-revoked', role: 'admin' } })
      ).json()) as { id: string; token: string };
      expect(created.token).toEqual(expect.any(String));
      const revoke = await h.request(`/api/v1/tokens/${created.id}`, { method: 'DELETE' });
      expect(revoke.status).toBe(204);
      for (const token of ['b0_unknown', 'b0p_unknown-proxy-token', 'x', created.token]) {
        const res = await h.request('/api/v1/sockets', { token });
        expect(res.status, token).toBe(401);
        const challenge = res.headers.get('www-authenticate')!;
        expect(challenge, token).toMatch(
          /^Bearer realm="border0", error="invalid_token", error_description="[^"\\]+"$/,
        );
      }
    });

    it('gives the bare challenge for another scheme or an empty bearer', async () => {
      for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer  ', 'token abc']) {
        const res = await h.request('/api/v1/sockets', { token: null, headers: { authorization } });
        expect(res.status, authorization).toBe(401);
        expect(res.headers.get('www-authenticate'), authorization).toBe(bare);
      }
    });

    it('does not tell a proxy its own good token is invalid when the connector token it relays is', async () => {
      const res = await h.request('/api/v1/proxy/connectors/authenticate', {
        method: 'POST',
        token: h.proxyToken,
        json: { token: 'b0_not-a-connector-token' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(bare);
    });

    it('sends no challenge where no token is needed', async () => {
      const res = await h.request('/api/v1/auth/device', {
        method: 'POST',
        token: null,
        json: { organization: 'nowhere' },
      });
      expect(res.status).not.toBe(401);
      expect(res.headers.get('www-authenticate')).toBeNull();
    });
  });
});
