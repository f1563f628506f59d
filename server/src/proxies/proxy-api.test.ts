/**
 * The proxies' API on each store: the proxy token from the first start, registration, dnsname resolution,
 * policy data and its version, and trust (client certificates verify against the listed CAs, the proxy's
 * own against the platform CA). What proxies do per connection is in proxy-connections.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';
import { createCsr } from '../../test/support/client-keys.js';
import { x509 } from '../certificates/x509-library.js';
import { startServer } from '../server.js';

describe('the proxy token of the first start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'border0-proxy-token-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is written to <dataDir>/proxy-token for the owner only, works on proxy routes only, and is issued once', {
    timeout: 60_000,
  }, async () => {
    const options = { dataDir, port: 0, logger: pino({ level: 'silent' }), defaultMetrics: false };
    const first = await startServer(options);
    try {
      const file = join(dataDir, 'proxy-token');
      expect(readFileSync(file, 'utf8').trim()).toBe(first.proxyToken);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.bootstrap?.proxyToken).toBe(first.proxyToken);
      const auth = { authorization: `Bearer ${first.proxyToken}` };
      expect((await fetch(`${first.url}/api/v1/proxy/trust`, { headers: auth })).status).toBe(200);
      const refused = await fetch(`${first.url}/api/v1/sockets`, { headers: auth });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as Body).detail).toMatch(/proxy token/);
    } finally {
      await first.close();
    }
    const again = await startServer(options);
    await again.close();
    expect(again.proxyToken).toBeUndefined();
    expect(existsSync(join(dataDir, 'proxy-token'))).toBe(true);
  });
});

for (const dialect of DIALECTS) {
  describe(`proxy API (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const { read, owner, asProxy, tlsSocket } = apiCalls(() => h);

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await read(owner('/organizations/current'))).id;
    });
    afterAll(() => h?.close());

    it('registers a proxy as an upsert by name, recording when it was seen', async () => {
      const first = await read(
        asProxy('/register', {
          method: 'POST',
          json: { name: 'eu-1', public_address: 'p1.example.net:8443' },
        }),
      );
      expect(first).toEqual({
        id: expect.any(String),
        name: 'eu-1',
        heartbeat_interval_seconds: 10,
        session_lease_seconds: 35,
      });
      const seen = async () =>
        h.services.db.selectFrom('proxies').selectAll().where('name', '=', 'eu-1').executeTakeFirstOrThrow();
      const before = await seen();
      const again = await read(
        asProxy('/register', {
          method: 'POST',
          json: { name: 'eu-1', public_address: '[2001:db8::1]:443', region: 'eu-west', version: '0.2.0' },
        }),
      );
      expect(again.id).toBe(first.id);
      const after = await seen();
      expect(after).toMatchObject({
        public_address: '[2001:db8::1]:443',
        region: 'eu-west',
        version: '0.2.0',
      });
      expect(new Date(after.last_seen_at).getTime()).toBeGreaterThanOrEqual(
        new Date(before.last_seen_at).getTime(),
      );
      for (const public_address of ['p1.example.net', 'p1.example.net:0', 'p1.example.net:70000', 'a b:1']) {
        await read(asProxy('/register', { method: 'POST', json: { name: 'eu-2', public_address } }), 400);
      }
    });

    it('resolves dnsnames with hyphens in socket and organization names by trying every split', async () => {
      const other = await read(owner('/organizations', { method: 'POST', json: { name: 'my-org' } }), 201);
      const webApp = await read(
        owner('/sockets', {
          method: 'POST',
          token: other.owner_token,
          json: tlsSocket('web-app', { tags: { env: 'prod' } }),
        }),
        201,
      );
      const found = await read(asProxy('/sockets/web-app-my-org.localhost'));
      expect(found).toEqual({
        socket: {
          id: webApp.id,
          name: 'web-app',
          dnsname: 'web-app-my-org.localhost',
          socket_type: 'tls',
          tags: { env: 'prod' },
          connector_ids: [],
          recording_enabled: true,
          recording_input_enabled: false,
          upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
        },
        organization: { id: other.id, name: 'my-org' },
      });
      // SNI is case-insensitive, and a fully qualified name may end with a dot.
      expect((await read(asProxy('/sockets/WEB-APP-MY-ORG.localhost.'))).socket.id).toBe(webApp.id);
      // Socket `web` of organization `app-my-org` spells the same dnsname: the earlier socket keeps it.
      const clash = await read(
        owner('/organizations', { method: 'POST', json: { name: 'app-my-org' } }),
        201,
      );
      await read(
        owner('/sockets', { method: 'POST', token: clash.owner_token, json: tlsSocket('web') }),
        201,
      );
      expect((await read(asProxy('/sockets/web-app-my-org.localhost'))).socket.id).toBe(webApp.id);
      const cache = await read(owner('/sockets', { method: 'POST', json: tlsSocket('cache') }), 201);
      expect((await read(asProxy(`/sockets/cache-${h.orgName}.localhost`))).organization).toEqual({
        id: orgId,
        name: h.orgName,
      });
      expect(cache.dnsname).toBe(`cache-${h.orgName}.localhost`);
      for (const dnsname of [
        'cache-acme.example.net',
        'cacheacme.localhost',
        'x.cache-acme.localhost',
        'nope-acme.localhost',
        'localhost',
      ]) {
        await read(asProxy(`/sockets/${dnsname}`), 404);
      }
    });

    it('serves policy data that follows policy, group and member changes, with a version of its content', async () => {
      const data = () => read(asProxy(`/organizations/${orgId}/policy-data`));
      const start = await data();
      expect(start).toMatchObject({ organization_id: orgId, policies: [], service_accounts: [] });
      expect(start.identities).toEqual([{ email: `owner@${h.orgName}.dev`, groups: [] }]);
      expect((await data()).version).toBe(start.version);

      const policy = await read(
        owner('/policies', {
          method: 'POST',
          json: {
            name: 'web',
            document: { permissions: { tls: {} }, condition: { who: { email: ['alice@acme.dev'] } } },
            tag_rules: [{ env: 'prod' }],
          },
        }),
        201,
      );
      const withPolicy = await data();
      expect(withPolicy.policies).toEqual([
        {
          id: policy.id,
          name: 'web',
          document: policy.document,
          org_wide: false,
          tag_rules: [{ env: 'prod' }],
          socket_ids: [],
        },
      ]);
      expect(withPolicy.version).not.toBe(start.version);

      await read(owner(`/policies/${policy.id}`, { method: 'PATCH', json: { org_wide: true } }));
      const changed = await data();
      expect(changed.policies[0].org_wide).toBe(true);
      expect(changed.version).not.toBe(withPolicy.version);

      const group = await read(owner('/groups', { method: 'POST', json: { name: 'eng' } }), 201);
      await read(
        owner('/members', { method: 'POST', json: { email: 'alice@acme.dev', role: 'member' } }),
        201,
      );
      await read(
        owner('/members', { method: 'POST', json: { email: 'ro@acme.dev', role: 'read_only' } }),
        201,
      );
      await read(
        owner(`/groups/${group.id}/members`, { method: 'POST', json: { email: 'alice@acme.dev' } }),
        200,
      );
      await read(owner('/service-accounts', { method: 'POST', json: { name: 'ci', role: 'client' } }), 201);
      await read(
        owner('/service-accounts', { method: 'POST', json: { name: 'auditor', role: 'read_only' } }),
        201,
      );
      const people = await data();
      expect(people.identities).toEqual(
        expect.arrayContaining([{ email: 'alice@acme.dev', groups: [group.id] }]),
      );
      // read_only uses no socket: neither the person nor the service account is listed.
      expect(people.identities.map((i: Body) => i.email)).not.toContain('ro@acme.dev');
      expect(people.service_accounts).toEqual(['ci']);
      expect(people.version).not.toBe(changed.version);

      await read(asProxy('/organizations/0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e/policy-data'), 404);
      await read(asProxy('/organizations/not-an-id/policy-data'), 400);
    });

    it('lists each organization’s client CA, which verifies its client certificates, and the platform CA', async () => {
      const { csrPem } = await createCsr();
      const issued = await read(
        owner('/client/certificates', { method: 'POST', json: { csr: csrPem } }),
        201,
      );
      const trust = await read(asProxy('/trust'));
      const orgs = await h.services.db
        .selectFrom('organizations')
        .select(['id', 'name'])
        .orderBy('name')
        .execute();
      expect(trust.client_cas.map((ca: Body) => ca.organization_name)).toEqual(orgs.map((o) => o.name));
      const ours = trust.client_cas.find((ca: Body) => ca.organization_id === orgId);
      expect(ours.ssh_ca_public_key).toMatch(/^ssh-ed25519 /);
      const certificate = new x509.X509Certificate(issued.certificate);
      expect(
        await certificate.verify({
          publicKey: new x509.X509Certificate(ours.certificate).publicKey,
          signatureOnly: true,
        }),
      ).toBe(true);
      for (const ca of trust.client_cas.filter((c: Body) => c.organization_id !== orgId)) {
        expect(
          await certificate.verify({
            publicKey: new x509.X509Certificate(ca.certificate).publicKey,
            signatureOnly: true,
          }),
        ).toBe(false);
      }

      const proxyCsr = await createCsr();
      const server = await read(
        asProxy('/certificate', { method: 'POST', json: { csr: proxyCsr.csrPem } }),
        201,
      );
      expect(server.ca_certificate).toBe(trust.platform_ca);
      // Clients verify the proxies with the same CA, which their organization's CA endpoint also gives.
      expect((await read(owner('/client/ca'))).platform_ca_certificate).toBe(trust.platform_ca);
      const proxyCertificate = new x509.X509Certificate(server.certificate);
      expect(
        await proxyCertificate.verify({
          publicKey: new x509.X509Certificate(trust.platform_ca).publicKey,
          signatureOnly: true,
        }),
      ).toBe(true);
      const names = proxyCertificate
        .getExtension(x509.SubjectAlternativeNameExtension)!
        .names.items.map((n) => n.value);
      expect(names).toEqual(['*.localhost', 'localhost']);
      expect(new Date(server.not_after).getTime()).toBe(proxyCertificate.notAfter.getTime());
      await read(asProxy('/certificate', { method: 'POST', json: { csr: 'not a csr' } }), 400);

      // A repeat with the same Idempotency-Key answers the same certificate, not a second one.
      const once = { method: 'POST', headers: { 'idempotency-key': 'proxy-cert-1' } };
      const first = await read(asProxy('/certificate', { ...once, json: { csr: proxyCsr.csrPem } }), 201);
      const again = await read(asProxy('/certificate', { ...once, json: { csr: proxyCsr.csrPem } }), 201);
      expect(again.certificate).toBe(first.certificate);
      expect(first.certificate).not.toBe(server.certificate);
      const other = await createCsr();
      await read(asProxy('/certificate', { ...once, json: { csr: other.csrPem } }), 422);
    });
  });
}
