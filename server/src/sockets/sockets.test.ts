import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const ssh = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  socket_type: 'ssh',
  tags: { env: 'prod', team: 'infra' },
  upstream_configuration: {
    type: 'ssh',
    hostname: '10.0.0.5',
    authentication_type: 'username_and_password',
    username: 'ubuntu',
    password: 'correct horse battery staple',
    ...extra,
  },
});
const http = (name: string, tags: Record<string, string> = {}) => ({
  name,
  socket_type: 'http',
  tags,
  description: `the ${name} app`,
  upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 3000 },
});

for (const dialect of DIALECTS) {
  describe(`sockets (${dialect})`, () => {
    let h: Harness;
    const post = async (body: unknown, headers: Record<string, string> = {}) => {
      const res = await h.request('/api/v1/sockets', { method: 'POST', json: body, headers });
      return { res, body: (await res.json()) as Json };
    };
    const list = async (query = '') =>
      ((await (await h.request(`/api/v1/sockets${query}`)).json()) as Json).items;

    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(() => h?.close());

    it('derives the dnsname, defaults recording on for non-http sockets, and is addressable by id and name', async () => {
      const { res, body } = await post(ssh('bastion'));
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/api/v1/sockets/${body.id}`);
      expect(body).toMatchObject({ dnsname: 'bastion-acme.localhost', recording_enabled: true });
      expect((await post(http('grafana'))).body.recording_enabled).toBe(false);
      for (const ref of [body.id, 'bastion']) {
        const got = await h.request(`/api/v1/sockets/${ref}`);
        expect(((await got.json()) as Json).id).toBe(body.id);
        expect(got.headers.get('etag')).toBe('"1"');
      }
    });

    it('records input only when asked, and only on ssh sockets', async () => {
      const { body } = await post(ssh('typed'));
      expect(body.recording_input_enabled).toBe(false);
      const on = await h.request('/api/v1/sockets/typed', {
        method: 'PATCH',
        json: { recording_input_enabled: true },
      });
      expect(((await on.json()) as Json).recording_input_enabled).toBe(true);
      const asked = await post({ ...ssh('typed-2'), recording_input_enabled: true });
      expect(asked.body.recording_input_enabled).toBe(true);

      const refused = await post({ ...http('web-typed'), recording_input_enabled: true });
      expect(refused.res.status).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ field: 'recording_input_enabled' });
      await post(http('web-plain'));
      const patched = await h.request('/api/v1/sockets/web-plain', {
        method: 'PATCH',
        json: { recording_input_enabled: true },
      });
      expect(patched.status).toBe(400);
      for (const name of ['typed', 'typed-2', 'web-plain']) {
        expect((await h.request(`/api/v1/sockets/${name}`, { method: 'DELETE' })).status).toBe(204);
      }
    });

    it('never returns a secret and stores it sealed, keeping it when an update leaves it out', async () => {
      const { body } = await post(ssh('vault'));
      expect(body.upstream_configuration).toMatchObject({ password_set: true, private_key_set: false });
      expect(JSON.stringify(body)).not.toContain('correct horse');
      const { rows } = await sql<{ upstream: unknown; upstream_secrets: string }>`
        select upstream, upstream_secrets from sockets where id = ${body.id}`.execute(h.services.db);
      expect(JSON.stringify(rows[0])).not.toContain('correct horse');
      expect(rows[0]!.upstream_secrets).toMatch(/^v1\./);

      const moved = await h.request('/api/v1/sockets/vault', {
        method: 'PATCH',
        json: {
          upstream_configuration: {
            type: 'ssh',
            hostname: '10.0.0.6',
            authentication_type: 'username_and_password',
            username: 'ubuntu',
          },
        },
      });
      expect(moved.status).toBe(200);
      const after = (await moved.json()) as Json;
      expect(after.upstream_configuration).toMatchObject({ hostname: '10.0.0.6', password_set: true });
      const [{ upstream_secrets }] = (
        await sql<{
          upstream_secrets: string;
        }>`select upstream_secrets from sockets where id = ${body.id}`.execute(h.services.db)
      ).rows as [{ upstream_secrets: string }];
      expect(JSON.parse(h.services.secrets.open(upstream_secrets))).toEqual({
        password: 'correct horse battery staple',
      });
    });

    it('stores a secret reference as given, for the connector to resolve', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the product's secret reference syntax
      const reference = '${from:env:SSH_PASSWORD}';
      const { body } = await post(ssh('ref', { password: reference }));
      const [row] = (
        await sql<{ s: string }>`select upstream_secrets as s from sockets where id = ${body.id}`.execute(
          h.services.db,
        )
      ).rows;
      expect(JSON.parse(h.services.secrets.open(row!.s)).password).toBe(reference);
    });

    it('requires the credentials of the chosen authentication', async () => {
      const { res, body } = await post({
        ...ssh('nokey'),
        upstream_configuration: {
          type: 'ssh',
          hostname: 'h',
          authentication_type: 'private_key',
          username: 'u',
        },
      });
      expect(res.status).toBe(400);
      expect(body.errors).toEqual([
        {
          field: 'upstream_configuration.private_key',
          message: 'is required with authentication_type private_key',
        },
      ]);
      const mismatch = await post({ ...http('mixed'), socket_type: 'tls' });
      expect(mismatch.body.errors[0].field).toBe('upstream_configuration.type');
    });

    it('takes a database client certificate with its write-only key, and requires both for tls logins', async () => {
      const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const database = (name: string, extra: Record<string, unknown>, tls: Record<string, unknown>) => ({
        name,
        socket_type: 'database',
        upstream_configuration: {
          type: 'database',
          protocol: 'postgres',
          hostname: 'db',
          port: 5432,
          authentication_type: 'tls',
          username: 'app',
          tls: { enabled: true, ...tls },
          ...extra,
        },
      });
      const fieldOf = async (body: unknown) => {
        const { res, body: problem } = await post(body);
        expect(res.status).toBe(400);
        return problem.errors.map((e: Json) => e.field);
      };
      expect(await fieldOf(database('no-cert', { private_key: 'k' }, {}))).toEqual([
        'upstream_configuration.tls.client_certificate',
      ]);
      expect(await fieldOf(database('no-key', {}, { client_certificate: certificate }))).toEqual([
        'upstream_configuration.private_key',
      ]);
      expect(
        await fieldOf(
          database('plain', { private_key: 'k' }, { enabled: false, client_certificate: certificate }),
        ),
      ).toEqual(['upstream_configuration.tls.enabled']);
      expect(
        await fieldOf(database('not-pem', { private_key: 'k' }, { client_certificate: 'garbage' })),
      ).toEqual(['upstream_configuration.tls.client_certificate']);
      const { res, body } = await post(
        database('cert', { private_key: 'the-client-key' }, { client_certificate: certificate }),
      );
      expect(res.status).toBe(201);
      expect(body.upstream_configuration).toMatchObject({
        private_key_set: true,
        password_set: false,
        tls: { client_certificate: certificate },
      });
      expect(JSON.stringify(body)).not.toContain('the-client-key');
    });

    it('names every invalid field, and refuses unknown ones', async () => {
      const { res, body } = await post({
        name: '-Bad-',
        socket_type: 'http',
        colour: 'blue',
        upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 70000 },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(body.type).toBe('/problems/validation');
      expect(body.errors.map((e: Json) => e.field).sort()).toEqual([
        'colour',
        'name',
        'upstream_configuration.port',
      ]);
    });

    it('verifies an https upstream fully unless told otherwise, and takes tls for https only', async () => {
      const upstream = { type: 'http', scheme: 'https', hostname: 'intranet.internal', port: 443 };
      const full = await post({ ...http('intranet'), upstream_configuration: { ...upstream, tls: {} } });
      expect(full.res.status).toBe(201);
      expect(full.body.upstream_configuration.tls).toEqual({ verify: 'full' });
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const ca = await post({
        ...http('intranet-ca'),
        upstream_configuration: {
          ...upstream,
          tls: { verify: 'ca', ca_certificate: pem, server_name: 'app' },
        },
      });
      expect(ca.body.upstream_configuration.tls).toEqual({
        verify: 'ca',
        ca_certificate: pem,
        server_name: 'app',
      });
      const plain = await post({
        ...http('plain'),
        upstream_configuration: { ...upstream, scheme: 'http', tls: { verify: 'none' } },
      });
      expect(plain.res.status).toBe(400);
      expect(plain.body.errors.map((e: Json) => e.field)).toEqual(['upstream_configuration.tls']);
      const bad = await post({
        ...http('bad-ca'),
        upstream_configuration: { ...upstream, tls: { verify: 'maybe', ca_certificate: 'not a pem' } },
      });
      expect(bad.res.status).toBe(400);
      expect(bad.body.errors.map((e: Json) => e.field).sort()).toEqual([
        'upstream_configuration.tls.ca_certificate',
        'upstream_configuration.tls.verify',
      ]);
    });

    it('refuses a duplicate name with 409 naming the field', async () => {
      await post(http('dup'));
      const { res, body } = await post(http('dup'));
      expect(res.status).toBe(409);
      expect(body.errors).toEqual([{ field: 'name', message: 'already exists' }]);
    });

    it('filters by type, tags, name and search', async () => {
      await post(http('shop', { env: 'prod', team: 'web' }));
      await post(http('shop-staging', { env: 'staging', team: 'web' }));
      const names = (items: Json[]) => items.map((s) => s.name).sort();
      expect(names(await list('?tag=team:web'))).toEqual(['shop', 'shop-staging']);
      expect(names(await list('?tag=team:web,env:prod'))).toEqual(['shop']);
      expect(names(await list('?socket_type=ssh'))).toEqual(['bastion', 'ref', 'vault']);
      expect(names(await list('?name=shop'))).toEqual(['shop']);
      expect(names(await list('?search=STAGING'))).toEqual(['shop-staging']);
      expect(names(await list('?search=%25'))).toEqual([]);
      expect((await h.request('/api/v1/sockets?tag=nocolon')).status).toBe(400);
    });

    it('walks every socket exactly once across pages', async () => {
      const all = (await list('?limit=500')).map((s: Json) => s.id);
      const seen: string[] = [];
      let cursor = '';
      do {
        const page = (await (
          await h.request(`/api/v1/sockets?limit=2${cursor && `&cursor=${cursor}`}`)
        ).json()) as Json;
        seen.push(...page.items.map((s: Json) => s.id));
        cursor = page.next_cursor ?? '';
      } while (cursor);
      expect(seen).toEqual(all);
      expect((await h.request('/api/v1/sockets?cursor=forged')).status).toBe(400);
    });

    it('guards updates with If-Match and bumps the ETag', async () => {
      const { body } = await post(http('etag'));
      const update = (ifMatch: string) =>
        h.request(`/api/v1/sockets/${body.id}`, {
          method: 'PATCH',
          json: { description: 'x' },
          headers: { 'if-match': ifMatch },
        });
      const ok = await update('"1"');
      expect(ok.headers.get('etag')).toBe('"2"');
      const stale = await update('"1"');
      expect(stale.status).toBe(412);
      expect(
        (await h.request(`/api/v1/sockets/${body.id}`, { method: 'DELETE', headers: { 'if-match': '"1"' } }))
          .status,
      ).toBe(412);
      expect(
        (await h.request(`/api/v1/sockets/${body.id}`, { method: 'DELETE', headers: { 'if-match': '"2"' } }))
          .status,
      ).toBe(204);
      expect((await h.request(`/api/v1/sockets/${body.id}`)).status).toBe(404);
    });

    it('replays a create with the same Idempotency-Key, and refuses the key for another body', async () => {
      const first = await post(http('idem'), { 'idempotency-key': 'create-idem' });
      const again = await post(http('idem'), { 'idempotency-key': 'create-idem' });
      expect(again.res.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const other = await post(http('idem-2'), { 'idempotency-key': 'create-idem' });
      expect(other.res.status).toBe(422);
      expect((await list('?search=idem')).length).toBe(1);
    });

    it('writes an audit entry for each change', async () => {
      const { body } = await post(http('audited'));
      await h.request(`/api/v1/sockets/${body.id}`, { method: 'PATCH', json: { tags: { a: 'b' } } });
      await h.request(`/api/v1/sockets/${body.id}`, { method: 'DELETE' });
      const entries = await h.services.db
        .selectFrom('audit_entries')
        .select(['action', 'actor'])
        .where('resource_id', '=', body.id)
        .orderBy('seq')
        .execute();
      expect(entries).toEqual(
        ['socket.create', 'socket.update', 'socket.delete'].map((action) => ({
          action,
          actor: 'user:owner@acme.dev',
        })),
      );
    });
  });
}
