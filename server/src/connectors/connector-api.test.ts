/**
 * A connector's own API on each store: its configuration (only its sockets, without secrets; only live
 * proxies; the CA to verify them), heartbeats that make it online, and the sockets it declares itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';
import { backfillDeclaredBy } from '../platform/db/migrations/0017-connector-discovery.js';

for (const dialect of DIALECTS) {
  describe(`connector API (${dialect})`, () => {
    let h: Harness;
    let dc1: Body;
    let dc2: Body;
    let token1: string;
    let token2: string;
    const { read, owner, asConnector } = apiCalls(() => h);
    const declare = (token: string, name: string, json: unknown) =>
      asConnector(token, `/sockets/${name}`, { method: 'PUT', json });
    const tls = (port: number) => ({
      socket_type: 'tls',
      upstream_configuration: { type: 'tls', hostname: '10.0.0.5', port },
    });
    const auditOf = async (socketId: string) =>
      (await read(owner('/audit?resource_type=socket&limit=500'))).items.filter(
        (e: Body) => e.resource_id === socketId,
      );

    beforeAll(async () => {
      h = await createHarness(dialect);
      dc1 = await read(owner('/connectors', { method: 'POST', json: { name: 'dc1' } }), 201);
      dc2 = await read(owner('/connectors', { method: 'POST', json: { name: 'dc2' } }), 201);
      token1 = (
        await read(owner(`/connectors/${dc1.id}/tokens`, { method: 'POST', json: { name: 't' } }), 201)
      ).token;
      token2 = (
        await read(owner(`/connectors/${dc2.id}/tokens`, { method: 'POST', json: { name: 't' } }), 201)
      ).token;
    });
    afterAll(() => h?.close());

    it('configures a connector with its own sockets, without secrets, the live proxies and the platform CA', async () => {
      const db = await read(
        owner('/sockets', {
          method: 'POST',
          json: {
            name: 'db',
            socket_type: 'database',
            connector_ids: [dc1.id],
            upstream_configuration: {
              type: 'database',
              protocol: 'postgres',
              hostname: '10.0.0.7',
              port: 5432,
              authentication_type: 'username_and_password',
              username: 'app',
              password: 'hunter2',
            },
          },
        }),
        201,
      );
      await read(
        owner('/sockets', { method: 'POST', json: { name: 'other', connector_ids: [dc2.id], ...tls(1) } }),
        201,
      );
      await read(owner('/sockets', { method: 'POST', json: { name: 'unserved', ...tls(2) } }), 201);
      await read(
        h.request('/api/v1/proxy/register', {
          method: 'POST',
          token: h.proxyToken,
          json: { name: 'eu-1', public_address: 'p1.example.net:8443', region: 'eu' },
        }),
      );
      await read(
        h.request('/api/v1/proxy/register', {
          method: 'POST',
          token: h.proxyToken,
          json: { name: 'us-1', public_address: 'p2.example.net:8443' },
        }),
      );
      await h.services.db
        .updateTable('proxies')
        .set({ last_seen_at: new Date(Date.now() - 61_000) })
        .where('name', '=', 'us-1')
        .execute();

      const config = await read(asConnector(token1, '/config'));
      expect(config.connector).toEqual({
        id: dc1.id,
        name: 'dc1',
        organization: { id: expect.any(String), name: h.orgName },
      });
      expect(config.sockets).toEqual([
        {
          id: db.id,
          name: 'db',
          dnsname: `db-${h.orgName}.localhost`,
          socket_type: 'database',
          upstream_configuration: db.upstream_configuration,
          // A literal secret is no reference: nothing for the connector to resolve.
          secret_references: [],
        },
      ]);
      expect(config.sockets[0].upstream_configuration.password_set).toBe(true);
      expect(JSON.stringify(config)).not.toContain('hunter2');
      expect(config.proxies).toEqual([{ name: 'eu-1', public_address: 'p1.example.net:8443', region: 'eu' }]);
      const trust = await read(h.request('/api/v1/proxy/trust', { token: h.proxyToken }));
      expect(config.platform_ca).toBe(trust.platform_ca);
      expect(config.base_domain).toBe('localhost');
      expect((await read(asConnector(token2, '/config'))).sockets.map((s: Body) => s.name)).toEqual([
        'other',
      ]);
    });

    it('is online after a heartbeat, showing its version and the proxies it holds tunnels to', async () => {
      expect((await read(owner(`/connectors/${dc2.id}`))).status).toBe('offline');
      const beat = await read(
        asConnector(token2, '/heartbeat', {
          method: 'POST',
          json: { version: '0.3.1', proxies_connected: ['eu-1', 'eu-1'] },
        }),
      );
      expect(beat).toMatchObject({
        id: dc2.id,
        status: 'online',
        version: '0.3.1',
        proxies_connected: ['eu-1'],
      });
      expect(await read(owner(`/connectors/${dc2.id}`))).toEqual(beat);
      expect((await read(owner('/connectors'))).items.find((c: Body) => c.id === dc2.id).status).toBe(
        'online',
      );
      await read(asConnector(token2, '/heartbeat', { method: 'POST', json: { version: '0.3.1' } }), 400);
    });

    it('shows each discovery plugin’s last run from the heartbeat, kept when a heartbeat leaves it out', async () => {
      const discovery = [
        { plugin: 'network', last_run_at: '2024-05-01T10:00:00.000Z', error: null, resources: 3 },
        { plugin: 'docker', last_run_at: null, error: 'connect ENOENT /var/run/docker.sock', resources: 0 },
      ];
      const beat = { version: '0.3.1', proxies_connected: [] };
      expect(
        await read(asConnector(token2, '/heartbeat', { method: 'POST', json: { ...beat, discovery } })),
      ).toMatchObject({ discovery });
      await read(asConnector(token2, '/heartbeat', { method: 'POST', json: beat }));
      expect((await read(owner(`/connectors/${dc2.id}`))).discovery).toEqual(discovery);
      const bad = await read(
        asConnector(token2, '/heartbeat', {
          method: 'POST',
          json: {
            ...beat,
            discovery: [{ plugin: 'Net work', last_run_at: null, error: null, resources: 0 }],
          },
        }),
        400,
      );
      expect(bad.errors[0].field).toBe('discovery.0.plugin');
    });

    it('declares a socket it owns, idempotently: the same declaration changes nothing', async () => {
      const declaration = { ...tls(6379), tags: { source: 'yaml' }, description: 'Cache' };
      const created = await read(declare(token1, 'cache', declaration), 201);
      expect(created).toMatchObject({
        name: 'cache',
        connector_ids: [dc1.id],
        tags: { source: 'yaml' },
        description: 'Cache',
        recording_enabled: true,
      });
      const entries = await auditOf(created.id);
      expect(entries).toEqual([expect.objectContaining({ action: 'socket.create', actor: 'connector:dc1' })]);

      const same = await declare(token1, 'cache', declaration);
      expect(same.headers.get('etag')).toBe('"1"');
      expect(await read(same)).toEqual(created);
      expect(await auditOf(created.id)).toHaveLength(1);

      const changed = await read(declare(token1, 'cache', { ...tls(6380), tags: { source: 'yaml' } }));
      expect(changed).toMatchObject({ upstream_configuration: { port: 6380 }, description: null });
      const updates = (await auditOf(created.id)).filter((e: Body) => e.action === 'socket.update');
      expect(updates).toEqual([
        expect.objectContaining({
          actor: 'connector:dc1',
          details: expect.objectContaining({ fields: ['description', 'upstream_configuration'] }),
        }),
      ]);
      expect((await read(asConnector(token1, '/config'))).sockets.map((s: Body) => s.name)).toContain(
        'cache',
      );

      // A socket declared before the platform recorded who declared it stays its connector's (upgrade).
      await h.services.db
        .updateTable('sockets')
        .set({ declared_by_connector_id: null })
        .where('id', '=', created.id)
        .execute();
      await read(declare(token1, 'cache', declaration), 409);
      await backfillDeclaredBy(h.services.db as never);
      await read(declare(token1, 'cache', declaration));
      await read(declare(token2, 'cache', declaration), 409);
    });

    it('keeps secrets of a declaration sealed and replaces them with the next one', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the product's secret reference syntax
      const [fromEnv, fromFile] = ['${from:env:BASTION_PASSWORD}', '${from:file:/etc/bastion}'];
      const ssh = (extra: Record<string, unknown>) => ({
        socket_type: 'ssh',
        upstream_configuration: {
          type: 'ssh',
          hostname: '10.0.0.9',
          authentication_type: 'username_and_password',
          username: 'ops',
          ...extra,
        },
      });
      const created = await read(declare(token1, 'bastion', ssh({ password: fromEnv })), 201);
      expect(created.upstream_configuration).toMatchObject({ password_set: true, port: 22 });
      expect(JSON.stringify(created)).not.toContain('BASTION_PASSWORD');
      expect((await read(declare(token1, 'bastion', ssh({ password: fromEnv })))).updated_at).toBe(
        created.updated_at,
      );
      const referencesOf = async (name: string) =>
        (await read(asConnector(token1, '/config'))).sockets.find((s: Body) => s.name === name)
          .secret_references;
      // The connector learns the references it may resolve, never a secret itself.
      expect(await referencesOf('bastion')).toEqual([fromEnv]);
      const rotated = await read(declare(token1, 'bastion', ssh({ password: fromFile })));
      expect(rotated.updated_at).not.toBe(created.updated_at);
      expect(await referencesOf('bastion')).toEqual([fromFile]);
      await read(declare(token1, 'bastion', ssh({ password: 'literal-secret' })));
      expect(await referencesOf('bastion')).toEqual([]);
      expect(JSON.stringify(await read(asConnector(token1, '/config')))).not.toContain('literal-secret');
      // A declaration is the whole socket: without the password, the authentication type is incomplete.
      expect((await read(declare(token1, 'bastion', ssh({})), 400)).errors[0].field).toBe(
        'upstream_configuration.password',
      );
    });

    it('refuses to take over a socket it does not serve, to change a socket’s type, or a mismatched upstream', async () => {
      await read(declare(token2, 'cache', tls(6379)), 409);
      await read(declare(token1, 'unserved', tls(2)), 409);
      await read(
        declare(token1, 'cache', {
          socket_type: 'http',
          upstream_configuration: { type: 'http', hostname: '10.0.0.5', port: 80 },
        }),
        409,
      );
      const mismatch = await read(
        declare(token1, 'web', {
          socket_type: 'http',
          upstream_configuration: { type: 'tls', hostname: '10.0.0.5', port: 80 },
        }),
        400,
      );
      expect(mismatch.errors[0].field).toBe('upstream_configuration.type');
      await read(declare(token1, 'Bad_Name', tls(1)), 400);
      // Nothing of the above reached the socket.
      expect((await read(owner('/sockets/cache'))).connector_ids).toEqual([dc1.id]);
    });

    it('lists and deletes only the sockets it declared, never one an admin made for it', async () => {
      const handmade = await read(
        owner('/sockets', {
          method: 'POST',
          json: { name: 'handmade', ...tls(7000), connector_ids: [dc1.id], tags: { team: 'ops' } },
        }),
        201,
      );
      await read(declare(token1, 'swept', tls(7001)), 201);
      const names = async (token: string) =>
        (await read(asConnector(token, '/sockets'))).map((s: Body) => s.name);
      expect(await names(token1)).toEqual(['bastion', 'cache', 'swept']);
      expect(await names(token2)).toEqual([]);

      // Served by dc1, but made by an admin: dc1 can neither change nor delete it.
      await read(declare(token1, 'handmade', tls(7002)), 409);
      await read(asConnector(token1, '/sockets/handmade', { method: 'DELETE' }), 409);
      await read(asConnector(token2, '/sockets/swept', { method: 'DELETE' }), 409);
      expect(await read(owner('/sockets/handmade'))).toEqual(handmade);

      const removed = await asConnector(token1, '/sockets/swept', { method: 'DELETE' });
      expect(removed.status).toBe(204);
      await read(owner('/sockets/swept'), 404);
      await read(asConnector(token1, '/sockets/swept', { method: 'DELETE' }), 404);
      const deletions = (await read(owner('/audit?resource_type=socket&limit=500'))).items.filter(
        (e: Body) => e.action === 'socket.delete' && e.details?.name === 'swept',
      );
      expect(deletions).toEqual([expect.objectContaining({ actor: 'connector:dc1' })]);
    });
  });
}
