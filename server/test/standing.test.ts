/**
 * Access ends when standing ends: access checks and what-ifs decide on the identity's current standing
 * (membership, role, service account existence, group membership), and a token's rights are the intersection,
 * as sets, of what the token names and what its holder may do now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/tokens/token-store.js';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { createCsr, createSshKey } from './support/client-keys.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

for (const dialect of DIALECTS) {
  describe(`standing (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const call = async (method: string, path: string, json?: unknown, token?: string) => {
      const res = await h.request(path, {
        method,
        ...(json !== undefined && { json }),
        ...(token !== undefined && { token }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
    };
    const post = (path: string, json: unknown, token?: string) => call('POST', path, json, token);
    const check = async (identity: { email?: string; service_account?: string }, policy?: string) =>
      (
        await post(policy ? `/api/v1/policies/${policy}/test` : '/api/v1/access/check', {
          socket: 'cache',
          identity,
          action: { type: 'tls' },
        })
      ).body;
    const setRole = (email: string, role: string) => call('PATCH', `/api/v1/members/${email}`, { role });

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await call('GET', '/api/v1/organizations/current')).body.id;
      await post('/api/v1/sockets', {
        name: 'cache',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      });
      const group = (await post('/api/v1/groups', { name: 'ops' })).body;
      await post('/api/v1/service-accounts', { name: 'ci', role: 'client' });
      for (const email of ['gone@acme.dev', 'demoted@acme.dev', 'grouped@acme.dev', 'stays@acme.dev']) {
        await post('/api/v1/members', { email, role: 'member' });
      }
      await post(`/api/v1/groups/${group.id}/members`, { email: 'grouped@acme.dev' });
      await post('/api/v1/policies', {
        name: 'everyone',
        org_wide: true,
        document: {
          permissions: { tls: {} },
          condition: {
            who: {
              email: ['gone@acme.dev', 'demoted@acme.dev', 'stays@acme.dev', 'never@acme.dev'],
              group: [group.id],
              service_account: ['ci'],
            },
          },
        },
      });
    });
    afterAll(() => h?.close());

    it('allows identities with standing that a policy names', async () => {
      for (const identity of [
        { email: 'stays@acme.dev' },
        { email: 'gone@acme.dev' },
        { email: 'grouped@acme.dev' },
        { service_account: 'ci' },
      ]) {
        expect((await check(identity)).allowed, JSON.stringify(identity)).toBe(true);
        expect((await check(identity, 'everyone')).allowed, JSON.stringify(identity)).toBe(true);
      }
    });

    it('denies a person no longer a member, though a policy names them, in checks and what-ifs', async () => {
      expect((await call('DELETE', '/api/v1/members/gone@acme.dev')).status).toBe(204);
      for (const decision of [
        await check({ email: 'gone@acme.dev' }),
        await check({ email: 'gone@acme.dev' }, 'everyone'),
      ]) {
        expect(decision).toMatchObject({ allowed: false, permissions: null });
        expect(decision.reason).toMatch(/not a member/);
      }
      // Nor someone who never was.
      expect((await check({ email: 'never@acme.dev' })).allowed).toBe(false);
    });

    it('denies a person demoted to read_only, and allows them again when promoted', async () => {
      expect((await setRole('demoted@acme.dev', 'read_only')).status).toBe(200);
      expect((await check({ email: 'demoted@acme.dev' })).allowed).toBe(false);
      expect((await setRole('demoted@acme.dev', 'client')).status).toBe(200);
      expect((await check({ email: 'demoted@acme.dev' })).allowed).toBe(true);
    });

    it('denies by group once the person left the group', async () => {
      const groups = (await call('GET', '/api/v1/groups')).body.items;
      expect((await call('DELETE', `/api/v1/groups/${groups[0].id}/members/grouped@acme.dev`)).status).toBe(
        204,
      );
      expect((await check({ email: 'grouped@acme.dev' })).allowed).toBe(false);
    });

    it('denies a service account demoted to read_only or deleted', async () => {
      const accounts = (await call('GET', '/api/v1/service-accounts')).body.items;
      const ci = accounts.find((a: Json) => a.name === 'ci');
      expect((await call('PATCH', `/api/v1/service-accounts/${ci.id}`, { role: 'read_only' })).status).toBe(
        200,
      );
      expect((await check({ service_account: 'ci' })).allowed).toBe(false);
      expect((await call('PATCH', `/api/v1/service-accounts/${ci.id}`, { role: 'client' })).status).toBe(200);
      expect((await check({ service_account: 'ci' })).allowed).toBe(true);
      expect((await call('DELETE', `/api/v1/service-accounts/${ci.id}`)).status).toBe(204);
      const decision = await check({ service_account: 'ci' });
      expect(decision.allowed).toBe(false);
      expect(decision.reason).toMatch(/service account ci does not exist/);
    });

    it('hands proxies the standing: only members that use sockets and existing service accounts', async () => {
      const data = (
        await call('GET', `/api/v1/proxy/organizations/${orgId}/policy-data`, undefined, h.proxyToken)
      ).body;
      const emails = data.identities.map((i: Json) => i.email);
      expect(emails).toContain('stays@acme.dev');
      expect(emails).not.toContain('gone@acme.dev');
      expect(data.service_accounts).not.toContain('ci');
    });
  });

  describe(`token rights are sets (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const call = async (method: string, path: string, token: string, json?: unknown) =>
      (await h.request(path, { method, token, ...(json !== undefined && { json }) })).status;
    const setRole = (email: string, role: string) =>
      h.request(`/api/v1/members/${email}`, { method: 'PATCH', json: { role } });
    const issueCerts = async (token: string) => [
      await call('POST', '/api/v1/client/certificates', token, { csr: (await createCsr()).csrPem }),
      await call('POST', '/api/v1/client/ssh-certificates', token, {
        public_key: createSshKey().publicKeyLine,
      }),
    ];
    const person = async (email: string, role: string, tokenRole: string) => {
      const res = await h.request('/api/v1/members', { method: 'POST', json: { email, role } });
      const member = (await res.json()) as { user_id: string };
      return (
        await issueToken(h.services.db, {
          orgId,
          kind: 'admin',
          name: tokenRole,
          role: tokenRole,
          userId: member.user_id,
        })
      ).secret;
    };

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = ((await (await h.request('/api/v1/organizations/current')).json()) as { id: string }).id;
    });
    afterAll(() => h?.close());

    it('takes certificates from a member token once its admin holder is demoted to read_only', async () => {
      const token = await person('ada@acme.dev', 'admin', 'member');
      expect(await issueCerts(token)).toEqual([201, 201]);
      expect((await setRole('ada@acme.dev', 'read_only')).status).toBe(200);
      // read_only reads more than member, but uses nothing: a member token of a read_only person issues nothing.
      expect(await issueCerts(token)).toEqual([403, 403]);
      // Nor does it read what read_only reads and member does not.
      expect(await call('GET', '/api/v1/audit', token)).toBe(403);
      expect(await call('GET', '/api/v1/members', token)).toBe(403);
      expect(await call('GET', '/api/v1/sockets', token)).toBe(200);
    });

    it('lets a read_only token of an owner read, and change nothing', async () => {
      const token = await person('olga@acme.dev', 'owner', 'read_only');
      expect(await call('GET', '/api/v1/audit', token)).toBe(200);
      expect(await call('POST', '/api/v1/groups', token, { name: 'nope' })).toBe(403);
      expect(await issueCerts(token)).toEqual([403, 403]);
    });

    it('takes writes from an admin token of a person demoted to member, and owners’ rights from admins', async () => {
      const token = await person('max@acme.dev', 'owner', 'admin');
      expect(await call('POST', '/api/v1/groups', token, { name: 'max-group' })).toBe(201);
      // An admin token of an owner acts as admin: it may not make owners.
      expect(await call('POST', '/api/v1/members', token, { email: 'o2@acme.dev', role: 'owner' })).toBe(403);
      expect(await call('POST', '/api/v1/members', token, { email: 'a2@acme.dev', role: 'admin' })).toBe(201);
      expect((await setRole('max@acme.dev', 'member')).status).toBe(200);
      expect(await call('POST', '/api/v1/groups', token, { name: 'max-group-2' })).toBe(403);
      expect(await call('POST', '/api/v1/members', token, { email: 'a3@acme.dev', role: 'client' })).toBe(
        403,
      );
      expect(await issueCerts(token)).toEqual([201, 201]);
    });

    it('lets no token grant a role with a right the token lacks', async () => {
      const admin = await person('tia@acme.dev', 'admin', 'admin');
      expect(await call('POST', '/api/v1/tokens', admin, { name: 'own', role: 'owner' })).toBe(403);
      expect(await call('POST', '/api/v1/service-accounts', admin, { name: 'boss', role: 'owner' })).toBe(
        403,
      );
      expect(await call('POST', '/api/v1/service-accounts', admin, { name: 'helper', role: 'admin' })).toBe(
        201,
      );
    });

    it('gives a service account token the rights of the account now', async () => {
      const created = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'deployer', role: 'admin' },
      });
      const { id } = (await created.json()) as { id: string };
      const tokenRes = await h.request(`/api/v1/service-accounts/${id}/tokens`, {
        method: 'POST',
        json: { name: 't' },
      });
      const { token } = (await tokenRes.json()) as { token: string };
      expect(await call('POST', '/api/v1/groups', token, { name: 'sa-group' })).toBe(201);
      await h.request(`/api/v1/service-accounts/${id}`, { method: 'PATCH', json: { role: 'read_only' } });
      expect(await call('POST', '/api/v1/groups', token, { name: 'sa-group-2' })).toBe(403);
      expect(await issueCerts(token)).toEqual([403, 403]);
      await h.request(`/api/v1/service-accounts/${id}`, { method: 'PATCH', json: { role: 'client' } });
      expect(await issueCerts(token)).toEqual([201, 201]);
      expect(await call('GET', '/api/v1/audit', token)).toBe(403);
    });

    it('never lets a token act beyond its holder’s standing, whatever the token row says', async () => {
      // Defence in depth: the stored copy of a role can lag (a path that forgets to update it); the holder's
      // current role still bounds the token. A client service account with a token row that says admin:
      const created = await h.request('/api/v1/service-accounts', {
        method: 'POST',
        json: { name: 'stale', role: 'client' },
      });
      const { id } = (await created.json()) as { id: string };
      const stale = await issueToken(h.services.db, {
        orgId,
        kind: 'service_account',
        name: 'stale',
        role: 'admin',
        serviceAccountId: id,
      });
      expect(await call('POST', '/api/v1/groups', stale.secret, { name: 'stale-group' })).toBe(403);
      expect(await call('GET', '/api/v1/audit', stale.secret)).toBe(403);
      // A person's token whose membership is gone (removed without its tokens): refused altogether.
      const token = await person('gone@acme.dev', 'admin', 'admin');
      expect(await call('GET', '/api/v1/sockets', token)).toBe(200);
      await h.services.db.deleteFrom('memberships').where('email', '=', 'gone@acme.dev').execute();
      expect(await call('GET', '/api/v1/sockets', token)).toBe(401);
    });
  });
}
