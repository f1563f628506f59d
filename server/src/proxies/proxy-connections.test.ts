/**
 * What a proxy asks per connection, on each store: whether the token a connector presents in its tunnel is
 * valid (and which sockets it serves), and the sessions it reports, with the rules of `/sessions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';
import { issueToken } from '../tokens/token-store.js';

for (const dialect of DIALECTS) {
  describe(`proxy connections (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const { read, owner, asProxy, tlsSocket } = apiCalls(() => h);

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await read(owner('/organizations/current'))).id;
    });
    afterAll(() => h?.close());

    it('authenticates a connector’s token with its sockets, and refuses revoked, expired and other tokens', async () => {
      const connector = await read(owner('/connectors', { method: 'POST', json: { name: 'dc1' } }), 201);
      const socket = await read(
        owner('/sockets', { method: 'POST', json: tlsSocket('redis', { connector_ids: [connector.id] }) }),
        201,
      );
      const token = await read(
        owner(`/connectors/${connector.id}/tokens`, { method: 'POST', json: { name: 't' } }),
        201,
      );
      const check = (presented: string, status = 200) =>
        read(asProxy('/connectors/authenticate', { method: 'POST', json: { token: presented } }), status);

      expect(await check(token.token)).toEqual({
        connector: { id: connector.id, name: 'dc1', organization_id: orgId, organization_name: h.orgName },
        token_id: token.id,
        sockets: [{ id: socket.id, dnsname: `redis-${h.orgName}.localhost`, socket_type: 'tls' }],
      });
      expect((await read(owner(`/connectors/${connector.id}`))).status).toBe('online');

      await read(owner(`/connectors/${connector.id}/tokens/${token.id}`, { method: 'DELETE' }), 204);
      expect((await check(token.token, 401)).type).toBe('/problems/unauthenticated');
      const expired = await issueToken(h.services.db, {
        orgId,
        kind: 'connector',
        name: 'old',
        role: 'client',
        connectorId: connector.id,
        expiresAt: new Date(Date.now() - 1000),
      });
      await check(expired.secret, 401);
      await check(h.ownerToken, 401);
      await check(h.proxyToken, 401);
      await check('b0c_nothing', 401);
    });

    it('records sessions reported by proxies in the socket’s organization, with the rules of /sessions', async () => {
      const socket = await read(owner('/sockets', { method: 'POST', json: tlsSocket('pg') }), 201);
      const open = (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
        asProxy('/sessions', { method: 'POST', json: { socket_id: socket.id, ...json }, headers });
      const patch = (id: string, json: Record<string, unknown>) =>
        asProxy(`/sessions/${id}`, { method: 'PATCH', json });

      const session = await read(
        open(
          {
            user_email: 'Alice@acme.dev',
            client_ip: '203.0.113.9',
            client_port: 40000,
            country: 'NL',
            result: 'allowed',
          },
          { 'idempotency-key': 'k1' },
        ),
        201,
      );
      expect(session).toMatchObject({
        socket_id: socket.id,
        socket_name: 'pg',
        user: { email: 'alice@acme.dev', service_account: null },
        live: true,
        result: 'allowed',
      });
      // A retried report with the same key is the same session.
      const replayed = await read(
        open(
          {
            user_email: 'Alice@acme.dev',
            client_ip: '203.0.113.9',
            client_port: 40000,
            country: 'NL',
            result: 'allowed',
          },
          { 'idempotency-key': 'k1' },
        ),
        201,
      );
      expect(replayed.id).toBe(session.id);
      expect(await read(owner(`/sessions/${session.id}`))).toEqual(session);
      const audit = await read(owner('/audit?resource_type=session'));
      expect(audit.items.find((e: Body) => e.resource_id === session.id)).toMatchObject({
        action: 'session.create',
        actor: 'proxy:bootstrap',
      });

      expect((await read(patch(session.id, { bytes_in: 100, bytes_out: 50 }))).bytes_in).toBe(100);
      expect((await read(patch(session.id, { bytes_in: 99 }), 400)).errors[0].field).toBe('bytes_in');
      await read(owner(`/sessions/${session.id}/terminate`, { method: 'POST' }), 202);
      const ended = await read(patch(session.id, { bytes_in: 200, ended: true }));
      expect(ended).toMatchObject({ live: false, result: 'terminated', bytes_in: 200 });
      await read(patch(session.id, { bytes_in: 300 }), 409);

      const denied = await read(
        open({ service_account: 'ci', result: 'denied', reason: 'no policy allows it' }),
        201,
      );
      expect(denied).toMatchObject({ live: false, result: 'denied', user: { service_account: 'ci' } });
      expect(
        (await read(open({ user_email: 'a@acme.dev', service_account: 'ci', result: 'allowed' }), 400))
          .errors[0].field,
      ).toBe('service_account');
      const unknown = await read(
        asProxy('/sessions', {
          method: 'POST',
          json: { socket_id: '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e', result: 'allowed' },
        }),
        400,
      );
      expect(unknown.errors[0].field).toBe('socket_id');
      await read(patch('0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e', { bytes_in: 1 }), 404);
    });

    it('counts repeated refusals into one denied session, and only refusals', async () => {
      const socket = await read(owner('/sockets', { method: 'POST', json: tlsSocket('counted') }), 201);
      const open = (json: Record<string, unknown>) =>
        asProxy('/sessions', { method: 'POST', json: { socket_id: socket.id, ...json } });
      const reason = 'no valid client certificate (none presented)';

      const once = await read(open({ client_ip: '198.51.100.4', result: 'denied', reason }), 201);
      expect(once.attempts).toBe(1);
      const counted = await read(
        open({ client_ip: '198.51.100.4', result: 'denied', reason, attempts: 299 }),
        201,
      );
      expect(counted).toMatchObject({ result: 'denied', live: false, attempts: 299, reason });
      const listed = await read(owner(`/sessions?socket=counted&result=denied`));
      expect(listed.items.map((s: Body) => s.attempts).sort()).toEqual([1, 299]);
      const audit = await read(owner('/audit?resource_type=session'));
      expect(audit.items.find((e: Body) => e.resource_id === counted.id).details).toMatchObject({
        attempts: 299,
      });

      expect((await read(open({ result: 'allowed', attempts: 2 }), 400)).errors[0].field).toBe('attempts');
      expect((await read(open({ result: 'denied', attempts: 0 }), 400)).errors[0].field).toBe('attempts');
      expect((await read(open({ result: 'allowed', attempts: 1 }), 201)).attempts).toBe(1);
    });
  });
}
