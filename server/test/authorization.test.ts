/**
 * Every route is authorized: without a token every operation answers 401; a read_only token may read
 * everything and change nothing; a client token may only read its organization and the sockets, and get
 * certificates to use them. The data plane's tokens call their own operations only: a proxy token the
 * proxies' (and no organization's), a connector token its own (and reads its organization's CAs), and no
 * organization token calls theirs. Default deny.
 */
import { createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/tokens/token-store.js';
import { createHarness, type Harness } from './harness.js';
import { operations } from './support/spec.js';
import { bodyInit, buildWorld, storeDigest, validRequests, type World } from './support/world.js';

function fill(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));
}

/**
 * Operations that take no token (device login, an organization's JWKS, the exchange of a web identity token):
 * the only ones that answer without one.
 */
const PUBLIC = new Set([
  'startDeviceLogin',
  'requestDeviceToken',
  'revokeLogin',
  'getOrganizationJwks',
  'exchangeWebIdentityToken',
]);
const needsToken = operations.filter((o) => o.caller !== 'public');

/** Questions asked with POST that change nothing: read_only may ask them. */
const READ_ONLY_QUESTIONS = new Set(['checkAccess', 'testPolicy']);

/** Operations a client token may call: everything else is 403 for it. */
const CLIENT_ALLOWED = new Set([
  'listOrganizations',
  'getOrganization',
  'listSockets',
  'listMySockets',
  'getSocket',
  'getCertificateAuthorities',
  'listClientProxies',
  ...['issueClientCertificate', 'issueSshCertificate'],
]);

/** What a connector token may call of the organization's operations. */
const CONNECTOR_ALLOWED = new Set(['getCertificateAuthorities']);

/**
 * A person's own account, not the organization's: any person's token may ask, whatever its role. The world's
 * invitation code is unknown here (404), so nothing changes.
 */
const ACCOUNT_OPERATIONS: Record<string, number> = {
  acceptInvitation: 404,
  // Their password is not the world's (403), nothing awaits confirmation (409), they have no logins to end.
  startTotpEnrolment: 403,
  confirmTotpEnrolment: 409,
  removeTotp: 403,
  logoutEverywhere: 200,
};

/**
 * What using sockets takes, and changes state (an audit entry; a terminal ticket may make the organization's
 * signing key): a client may, read_only may not.
 */
const ISSUING = new Set(['issueClientCertificate', 'issueSshCertificate', 'openWebTerminal']);

describe('authorization of every operation (pglite)', () => {
  let h: Harness;
  let world: World;
  const tokens: Record<'read_only' | 'client', string> = { read_only: '', client: '' };

  beforeAll(async () => {
    h = await createHarness('pglite');
    const b0 = createClient({
      baseUrl: 'http://test',
      token: h.ownerToken,
      fetch: async (r) => h.app.fetch(r),
    });
    const proxy = createClient({
      baseUrl: 'http://test',
      token: h.proxyToken,
      fetch: async (r) => h.app.fetch(r),
    });
    world = await buildWorld(b0, 'authz', proxy);
    for (const role of ['read_only', 'client'] as const) {
      const member = await b0.post('/api/v1/members', { body: { email: `${role}@acme.dev`, role } });
      const { secret } = await issueToken(h.services.db, {
        orgId: world.orgId,
        kind: 'admin',
        name: role,
        role,
        userId: member.user_id,
      });
      tokens[role] = secret;
      // A password other than the world's: their `changeMyPassword` is then refused (403) and changes nothing.
      await b0.put('/api/v1/members/{member}/password', {
        params: { path: { member: member.email } },
        body: { password: `${role}-own-password` },
      });
    }
  });
  afterAll(() => h?.close());

  async function call(operationId: string, token: string | null) {
    const op = operations.find((o) => o.operationId === operationId)!;
    const request = validRequests(world).find(([id]) => id === operationId)![1];
    const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
    const res = await h.request(`${fill(op.path, request.path)}${query}`, {
      method: op.method,
      token,
      ...bodyInit(request.body),
    });
    // An event stream stays open: its status is the answer.
    if (op.streams && res.ok) await res.body?.cancel();
    return res;
  }

  /** Calls every operation of `ops` with `token`, expecting `status(op)`; changes nothing when all are refused. */
  async function expectStatuses(
    ops: typeof operations,
    token: string,
    status: (operationId: string) => number,
  ) {
    for (const op of ops) {
      const res = await call(op.operationId, token);
      expect(res.status, `${op.operationId}: ${res.ok ? '' : await res.text()}`).toBe(status(op.operationId));
    }
  }

  it('answers 401 to every operation without a token, or with an unknown one', async () => {
    expect(new Set(operations.filter((o) => o.caller === 'public').map((o) => o.operationId))).toEqual(
      PUBLIC,
    );
    for (const op of needsToken) {
      expect((await call(op.operationId, null)).status, op.operationId).toBe(401);
      expect((await call(op.operationId, 'b0a_not-a-real-token')).status, op.operationId).toBe(401);
    }
    // Device login's two operations answer without a token (an unknown device code is an RFC 8628 error).
    expect((await call('startDeviceLogin', null)).status).toBe(200);
    expect((await call('requestDeviceToken', null)).status).toBe(400);
    expect((await call('getOrganizationJwks', null)).status).toBe(200);
    // The world's web identity token is not one an issuer signed: refused.
    expect((await call('exchangeWebIdentityToken', null)).status).toBe(401);
  });

  it('lets read_only read everything and change nothing', async () => {
    const before = await storeDigest(h.services.db);
    for (const op of needsToken) {
      const status = (await call(op.operationId, tokens.read_only)).status;
      const reads = op.method === 'GET' || READ_ONLY_QUESTIONS.has(op.operationId);
      expect(status, op.operationId).toBe(
        ACCOUNT_OPERATIONS[op.operationId] ?? (reads && op.caller === 'organization' ? 200 : 403),
      );
    }
    expect(await storeDigest(h.services.db)).toBe(before);
  });

  it('lets a client read only its organization and the sockets, and get certificates', async () => {
    const before = await storeDigest(h.services.db);
    for (const op of needsToken.filter((o) => !ISSUING.has(o.operationId))) {
      // CLIENT_ALLOWED names organization operations only: the data plane's are 403 too.
      const status = (await call(op.operationId, tokens.client)).status;
      expect(status, op.operationId).toBe(
        ACCOUNT_OPERATIONS[op.operationId] ?? (CLIENT_ALLOWED.has(op.operationId) ? 200 : 403),
      );
    }
    expect(await storeDigest(h.services.db)).toBe(before);
    for (const operationId of ISSUING) expect((await call(operationId, tokens.client)).status).toBe(201);
  });

  it('lets a proxy token call the proxies’ operations and nothing of an organization or a connector', async () => {
    const before = await storeDigest(h.services.db);
    await expectStatuses(
      needsToken.filter((o) => o.caller !== 'proxy'),
      h.proxyToken,
      () => 403,
    );
    expect(await storeDigest(h.services.db)).toBe(before);
    await expectStatuses(
      operations.filter((o) => o.caller === 'proxy'),
      h.proxyToken,
      (id) =>
        ({
          issueProxyCertificate: 201,
          createProxySession: 201,
          addProxySessionEvent: 201,
          createProxyRecording: 201,
          // The world holds no login code here: an unknown one is refused.
          createWebSession: 401,
          redeemWebTerminalTicket: 401,
        })[id] ?? (id === 'putProxyRecordingChunk' ? 204 : 200),
    );
  });

  it('lets a connector token call its own operations and read its organization’s CAs, nothing else', async () => {
    const before = await storeDigest(h.services.db);
    await expectStatuses(
      operations.filter(
        (o) => o.caller === 'proxy' || (o.caller === 'organization' && !CONNECTOR_ALLOWED.has(o.operationId)),
      ),
      world.connectorToken,
      () => 403,
    );
    expect(await storeDigest(h.services.db)).toBe(before);
    await expectStatuses(
      operations.filter((o) => o.caller === 'connector' || CONNECTOR_ALLOWED.has(o.operationId)),
      world.connectorToken,
      (id) => ({ putConnectorSocket: 201, deleteConnectorSocket: 404 })[id] ?? 200,
    );
  });

  it('refuses the data plane’s operations to every organization token', async () => {
    const dataPlane = needsToken.filter((o) => o.caller !== 'organization');
    expect(dataPlane.length).toBeGreaterThan(10);
    for (const token of [h.ownerToken, tokens.read_only, tokens.client]) {
      await expectStatuses(dataPlane, token, () => 403);
    }
  });
});
