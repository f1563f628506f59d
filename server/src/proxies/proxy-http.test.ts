/**
 * The proxies' API for HTTP sockets: who a bearer token is (person, service account), refused for other
 * organizations, other socket types and unknown tokens; the identity token verifies against the
 * organization's JWKS. Web sessions from browser logins are tested in web-login/web-sessions.test.ts.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { apiCalls } from '../../test/support/api-calls.js';
import { personToken } from '../../test/support/person-token.js';
import { createOrganization } from '../organizations/organization-store.js';
import { listen } from '../platform/http/node-listener.js';
import { issueToken } from '../tokens/token-store.js';

export const httpSocket = (name: string) => ({
  name,
  socket_type: 'http',
  upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
});

describe('proxy API for HTTP sockets (pglite)', () => {
  let h: Harness;
  let orgId: string;
  let socketId: string;
  const host = 'web-acme.localhost';
  const { read, owner, asProxy, tlsSocket } = apiCalls(() => h);
  const identify = (json: unknown) => asProxy('/http-identity', { method: 'POST', json });

  beforeAll(async () => {
    h = await createHarness('pglite');
    orgId = (await read(owner('/organizations/current'))).id;
    socketId = (await read(owner('/sockets', { method: 'POST', json: httpSocket('web') }), 201)).id;
    await read(owner('/sockets', { method: 'POST', json: tlsSocket('redis') }), 201);
  });
  afterAll(() => h?.close());

  it('names the person of a personal token, with an identity token the JWKS verifies', async () => {
    const token = await personToken(h.services.db, orgId, 'dev@acme.dev', 'client');
    const body = await read(identify({ host, bearer_token: token }));
    expect(body).toMatchObject({
      organization_id: orgId,
      socket_id: socketId,
      user_email: 'dev@acme.dev',
      cache_seconds: 5,
    });
    expect(body.service_account).toBeUndefined();
    const jwks = await read(h.request(`/api/v1/organizations/${orgId}/jwks`, { token: null }));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    expect(decodeProtectedHeader(body.identity_token).kid).toBe(jwks.keys[0].kid);
    const { payload } = await jwtVerify(body.identity_token, createLocalJWKSet(jwks), {
      issuer: `http://test/api/v1/organizations/${orgId}`,
      audience: host,
    });
    expect(payload).toMatchObject({ sub: 'dev@acme.dev', email: 'dev@acme.dev' });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(new Date(body.identity_token_expires_at).getTime()).toBe(payload.exp! * 1000);
    // The organization's name finds the same keys.
    expect(await read(h.request(`/api/v1/organizations/${h.orgName}/jwks`, { token: null }))).toEqual(jwks);
  });

  it('names a service account as service-account:<name>, verified over HTTP with a remote JWKS', async () => {
    const account = await read(
      owner('/service-accounts', { method: 'POST', json: { name: 'ci-bot', role: 'client' } }),
      201,
    );
    const { secret } = await issueToken(h.services.db, {
      orgId,
      kind: 'service_account',
      name: 'ci',
      role: 'client',
      serviceAccountId: account.id,
    });
    const body = await read(identify({ host, bearer_token: secret }));
    expect(body).toMatchObject({ service_account: 'ci-bot' });
    expect(body.user_email).toBeUndefined();
    const server = await listen(h.app.fetch, { host: '127.0.0.1', port: 0 });
    try {
      const jwks = createRemoteJWKSet(new URL(`${server.url}/api/v1/organizations/${orgId}/jwks`));
      const { payload } = await jwtVerify(body.identity_token, jwks, { audience: host });
      expect(payload.sub).toBe('service-account:ci-bot');
      expect(payload.email).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('names the issuer after the public URL when one is configured', async () => {
    h.services.publicUrl = 'https://api.example.net';
    try {
      const body = await read(identify({ host, bearer_token: h.ownerToken }));
      const claims = JSON.parse(Buffer.from(body.identity_token.split('.')[1], 'base64url').toString());
      expect(claims.iss).toBe(`https://api.example.net/api/v1/organizations/${orgId}`);
    } finally {
      h.services.publicUrl = undefined;
    }
  });

  it('refuses unknown, expired and other organizations’ tokens, and connector tokens, with 401', async () => {
    const other = await createOrganization(h.services.db, { name: 'other', owner: { email: 'o@other.dev' } });
    const outsider = await personToken(h.services.db, other.organization.id, 'x@other.dev', 'owner');
    const expired = await issueToken(h.services.db, {
      orgId,
      kind: 'admin',
      name: 'old',
      role: 'owner',
      userId: (await read(owner('/members/owner@acme.dev'))).id,
      expiresAt: new Date(Date.now() - 1000),
    });
    await read(owner('/connectors', { method: 'POST', json: { name: 'c1' } }), 201);
    const connector = await read(
      owner('/connectors/c1/tokens', { method: 'POST', json: { name: 'install' } }),
      201,
    );
    for (const bearer_token of [
      'b0a_unknown',
      outsider,
      expired.secret,
      connector.token,
      h.proxyToken,
      'x'.repeat(40),
    ]) {
      const res = await identify({ host, bearer_token });
      expect(res.status, bearer_token).toBe(401);
      expect(((await res.json()) as { type: string }).type).toBe('/problems/unauthenticated');
    }
    // A web session token that was never issued.
    expect((await identify({ host, web_session_token: 'b0w_nothing' })).status).toBe(401);
  });

  it('answers 404 for a host that is not an HTTP socket, and 400 naming the fields', async () => {
    expect((await identify({ host: 'redis-acme.localhost', bearer_token: h.ownerToken })).status).toBe(404);
    expect((await identify({ host: 'nothing-acme.localhost', bearer_token: h.ownerToken })).status).toBe(404);
    const neither = await read(identify({ host }), 400);
    expect(neither.errors.map((e: { field: string }) => e.field)).toEqual([
      'bearer_token',
      'web_session_token',
    ]);
    const both = await read(identify({ host, bearer_token: 'a', web_session_token: 'b' }), 400);
    expect(both.errors[0].field).toBe('bearer_token');
    const withPort = await read(identify({ host: 'web-acme.localhost:8443', bearer_token: 'a' }), 400);
    expect(withPort.errors[0].field).toBe('host');
    const upper = await read(identify({ host: 'Web-acme.localhost', bearer_token: 'a' }), 400);
    expect(upper.errors[0].field).toBe('host');
  });

  it('takes only proxy tokens', async () => {
    const res = await owner('/proxy/http-identity', { method: 'POST', json: { host, bearer_token: 'a' } });
    expect(res.status).toBe(403);
    const sessions = await owner('/proxy/web-sessions', { method: 'POST', json: { host, code: 'a' } });
    expect(sessions.status).toBe(403);
  });

  it('answers 404 for the JWKS of an unknown organization, with no token needed', async () => {
    expect((await h.request('/api/v1/organizations/nobody/jwks', { token: null })).status).toBe(404);
  });
});
