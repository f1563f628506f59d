/**
 * Tenant isolation matrix: with a token of organization B, every operation aimed at a resource of
 * organization A answers 404 and reveals nothing, lists never show A's data, references to A's resources in
 * bodies are refused, and A's data is left exactly as it was. A connector of B sees and declares only B's
 * sockets. (Proxies serve every organization: their operations are not tenant-scoped.)
 */
import { createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { operations, type SpecOperation } from './support/spec.js';
import { buildWorld, storeDigest, validRequests, type World } from './support/world.js';

/** A list answers a page: `{ items, next_cursor }`. Other reads (the organization's CAs) are single objects. */
function returnsPage(op: SpecOperation): boolean {
  const schema = op.responses['200']?.content?.['application/json']?.schema as { $ref?: string } | undefined;
  return schema?.$ref?.endsWith('Page') ?? false;
}

function fill(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));
}

for (const dialect of DIALECTS) {
  describe(`tenant isolation (${dialect})`, () => {
    let h: Harness;
    let a: World;
    let tokenB: string;
    let b: World;
    /** Strings that identify A's resources and must never appear in B's answers. */
    let secretsOfA: string[];

    beforeAll(async () => {
      h = await createHarness(dialect);
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
      a = await buildWorld(b0, 'a', proxy);
      const other = await b0.post('/api/v1/organizations', { body: { name: 'globex' } });
      tokenB = other.owner_token;
      // B gets resources of its own, so lists are not trivially empty.
      const bClient = createClient({
        baseUrl: 'http://test',
        token: tokenB,
        fetch: async (r) => h.app.fetch(r),
      });
      b = await buildWorld(bClient, 'b', proxy);
      secretsOfA = [
        a.socketId,
        a.policyId,
        a.groupId,
        a.identityProviderId,
        a.serviceAccountId,
        a.connectorId,
        a.sessionId,
        a.recordingId,
        a.memberEmail,
      ];
    });
    afterAll(() => h?.close());

    it('answers 404 to every operation on a resource of another organization, and changes nothing', async () => {
      const before = await storeDigest(h.services.db);
      const scoped = (o: SpecOperation) => o.pathParams.length > 0 && o.caller === 'organization';
      const withParams = validRequests(a).filter(([id]) =>
        scoped(operations.find((o) => o.operationId === id)!),
      );
      expect(withParams.length).toBe(operations.filter(scoped).length);
      for (const [operationId, request] of withParams) {
        const op = operations.find((o) => o.operationId === operationId)!;
        const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
        const url = `${fill(op.path, request.path)}${query}`;
        const res = await h.request(url, {
          method: op.method,
          token: tokenB,
          ...(request.body !== undefined && { json: request.body }),
        });
        const text = await res.text();
        expect(res.status, `${operationId}: ${text}`).toBe(404);
        // An error may repeat what the caller sent (`member x not found`), and nothing else of A.
        const sent = decodeURIComponent(url) + JSON.stringify(request.body ?? '');
        for (const secret of secretsOfA.filter((s) => !sent.includes(s)))
          expect(text, operationId).not.toContain(secret);
      }
      expect(await storeDigest(h.services.db)).toBe(before);
    });

    it('never lists resources of another organization', async () => {
      const lists = operations.filter(
        (o) => o.method === 'GET' && o.pathParams.length === 0 && returnsPage(o),
      );
      expect(lists.length).toBeGreaterThan(8);
      for (const op of lists) {
        const res = await h.request(op.path, { token: tokenB });
        const text = await res.text();
        expect(res.status, `${op.operationId}: ${text}`).toBe(200);
        for (const secret of secretsOfA) expect(text, op.operationId).not.toContain(secret);
        expect(JSON.parse(text).items.length, op.operationId).toBeGreaterThan(0);
      }
    });

    it('gives each organization its own certificate authorities, and never shows another’s', async () => {
      const ca = async (token?: string) =>
        (await (await h.request('/api/v1/client/ca', token ? { token } : {})).json()) as Record<
          string,
          string
        >;
      const [ofA, ofB] = [await ca(), await ca(tokenB)];
      expect(ofB.x509_ca_certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(ofB.x509_ca_certificate).not.toBe(ofA.x509_ca_certificate);
      expect(ofB.ssh_ca_public_key).not.toBe(ofA.ssh_ca_public_key);
      const issued = await h.request('/api/v1/client/ssh-certificates', {
        method: 'POST',
        token: tokenB,
        json: { public_key: a.sshPublicKey },
      });
      const text = await issued.text();
      expect(issued.status, text).toBe(201);
      expect(JSON.parse(text).ca_public_key).toBe(ofB.ssh_ca_public_key);
      for (const secret of [...secretsOfA, ofA.x509_ca_certificate!, ofA.ssh_ca_public_key!])
        expect(text).not.toContain(secret);
    });

    it('refuses references to resources of another organization inside bodies', async () => {
      const before = await storeDigest(h.services.db);
      const attempts: [string, unknown, string][] = [
        [
          '/api/v1/access/check',
          { socket: a.socketId, identity: { email: a.memberEmail }, action: { type: 'http' } },
          'socket',
        ],
        [
          '/api/v1/policies',
          { name: 'steal', document: { permissions: {}, condition: {} }, sockets: [a.socketId] },
          'sockets.0',
        ],
        [
          '/api/v1/policies',
          { name: 'steal', document: { permissions: {}, condition: { who: { group: [a.groupId] } } } },
          'document.condition.who.group.0',
        ],
        [
          '/api/v1/sockets',
          {
            name: 'steal',
            socket_type: 'tls',
            connector_ids: [a.connectorId],
            upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 1 },
          },
          'connector_ids',
        ],
      ];
      for (const [path, body, field] of attempts) {
        const res = await h.request(path, { method: 'POST', token: tokenB, json: body });
        const problem = (await res.json()) as { errors: { field: string }[] };
        expect(res.status, JSON.stringify(problem)).toBe(400);
        expect(problem.errors.map((e) => e.field)).toContain(field);
      }
      const groups = (await (await h.request('/api/v1/groups', { token: tokenB })).json()) as {
        items: { id: string }[];
      };
      const bGroup = groups.items[0]!;
      const res = await h.request(`/api/v1/groups/${bGroup.id}/members`, {
        method: 'POST',
        token: tokenB,
        json: { email: a.memberEmail },
      });
      expect(res.status).toBe(400);
      expect(await storeDigest(h.services.db)).toBe(before);
    });

    it('shows a connector only its own organization’s sockets, and lets it declare sockets only there', async () => {
      const before = await h.services.db
        .selectFrom('sockets')
        .selectAll()
        .where('org_id', '=', a.orgId)
        .orderBy('id')
        .execute();
      const config = await h.request('/api/v1/connector/config', { token: b.connectorToken });
      const text = await config.text();
      expect(config.status, text).toBe(200);
      expect(JSON.parse(text).sockets.map((s: { name: string }) => s.name)).toEqual([b.socketName]);
      for (const secret of secretsOfA) expect(text).not.toContain(secret);
      // The same name as A's socket: a socket of B, A's untouched.
      const put = await h.request(`/api/v1/connector/sockets/${a.socketName}`, {
        method: 'PUT',
        token: b.connectorToken,
        json: { socket_type: 'tls', upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 1 } },
      });
      const declared = (await put.json()) as { id: string; dnsname: string };
      expect(put.status).toBe(201);
      expect(declared.dnsname).toBe(`${a.socketName}-${b.orgName}.localhost`);
      const after = await h.services.db
        .selectFrom('sockets')
        .selectAll()
        .where('org_id', '=', a.orgId)
        .orderBy('id')
        .execute();
      expect(after).toEqual(before);
    });
  });
}
