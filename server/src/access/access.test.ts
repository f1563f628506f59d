import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

for (const dialect of DIALECTS) {
  describe(`access decisions (${dialect})`, () => {
    let h: Harness;
    let groupId: string;
    const post = async (path: string, json: unknown) => {
      const res = await h.request(path, { method: 'POST', json });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const check = (extra: Record<string, unknown>) =>
      post('/api/v1/access/check', {
        socket: 'app-db',
        identity: { email: 'Alice@acme.dev' },
        action: { type: 'database', database: 'app', query_type: 'read_only' },
        ip: '203.0.113.7',
        time: '2026-11-26T10:00:00Z',
        ...extra,
      });

    beforeAll(async () => {
      h = await createHarness(dialect);
      await post('/api/v1/members', { email: 'alice@acme.dev', role: 'member' });
      groupId = (await post('/api/v1/groups', { name: 'engineers' })).body.id;
      await post(`/api/v1/groups/${groupId}/members`, { email: 'alice@acme.dev' });
      for (const [name, tags] of [
        ['app-db', { env: 'prod' }],
        ['lab-db', { env: 'lab' }],
      ] as const) {
        await post('/api/v1/sockets', {
          name,
          socket_type: 'database',
          tags,
          upstream_configuration: {
            type: 'database',
            protocol: 'postgres',
            hostname: '127.0.0.1',
            port: 5432,
            authentication_type: 'no_auth',
          },
        });
      }
      await post('/api/v1/policies', {
        name: 'engineers-read',
        tag_rules: [{ env: 'prod' }],
        document: {
          permissions: {
            database: {
              allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }],
              max_session_duration_seconds: 3600,
            },
          },
          condition: {
            who: { group: [groupId] },
            where: {
              allowed_ip: ['203.0.113.0/24', '10.99.0.0/16', '10.98.0.0/16', '193.0.6.0/24'],
              country_not: ['KP'],
            },
            when: {
              time_of_day_after: '08:00 Europe/Amsterdam',
              time_of_day_before: '18:00 Europe/Amsterdam',
            },
          },
        },
      });
      await post('/api/v1/policies', {
        name: 'dutch-only',
        sockets: ['app-db'],
        document: {
          permissions: { database: {} },
          condition: { who: { email: ['bob@acme.dev'] }, where: { country: ['NL'] } },
        },
      });
      await post('/api/v1/policies', {
        name: 'lab-everyone',
        document: { permissions: { http: {} }, condition: {} },
        org_wide: true,
      });
    });
    afterAll(() => h?.close());

    it('allows through a group, with the permissions and one verdict per applying policy', async () => {
      const { status, body } = await check({});
      expect(status).toBe(200);
      expect(body).toMatchObject({
        allowed: true,
        reason: 'allowed by policy engineers-read',
        socket: { name: 'app-db', socket_type: 'database' },
        identity: { email: 'alice@acme.dev', groups: [groupId] },
        country: null,
        permissions: {
          socket_type: 'database',
          database: { allowed_databases: [{ database: 'app', allowed_query_types: ['read_only'] }] },
          max_session_duration_seconds: 3600,
        },
      });
      expect(body.explanation.map((v: Json) => [v.policy_name, v.matched, v.failed ?? null])).toEqual([
        ['engineers-read', true, null],
        ['dutch-only', false, 'who'],
        ['lab-everyone', false, 'permission'],
      ]);
    });

    it('denies a query type the policy does not allow, and says why', async () => {
      const { body } = await check({ action: { type: 'database', database: 'app', query_type: 'ddl' } });
      expect(body.allowed).toBe(false);
      expect(body.explanation[0].reason).toBe('permission: ddl queries on app are not allowed');
    });

    it('looks the country up: the override map, the shipped database, and none for private addresses', async () => {
      expect((await check({ ip: '10.99.4.5' })).body).toMatchObject({ allowed: true, country: 'NL' });
      const kp = (await check({ ip: '10.98.4.5' })).body;
      expect(kp).toMatchObject({ allowed: false, country: 'KP' });
      expect(kp.explanation[0].reason).toBe('where: connections from KP are excluded');
      expect((await check({ ip: '193.0.6.139' })).body).toMatchObject({ allowed: true, country: 'NL' });
      expect((await check({ ip: '198.51.100.1' })).body.explanation[0].failed).toBe('where');
    });

    it('denies outside the daily window on the zone’s clock', async () => {
      const { body } = await check({ time: '2026-11-26T17:30:00Z' });
      expect(body.allowed).toBe(false);
      expect(body.explanation[0].reason).toBe(
        'when: 18:30 Europe/Amsterdam is outside the daily window 08:00 Europe/Amsterdam to 18:00 Europe/Amsterdam',
      );
    });

    it('denies by default where no policy allows the socket type', async () => {
      const { body } = await check({ socket: 'lab-db' });
      expect(body).toMatchObject({ allowed: false, permissions: null });
      expect(body.reason).toBe(
        'denied: the one policy that applies to this socket does not allow read only queries on app',
      );
    });

    it('tests one policy as if it applied, and says whether it does', async () => {
      const { status, body } = await post('/api/v1/policies/engineers-read/test', {
        socket: 'lab-db',
        identity: { email: 'alice@acme.dev' },
        action: { type: 'database', database: 'app' },
        ip: '203.0.113.7',
        time: '2026-11-26T10:00:00Z',
      });
      expect(status).toBe(200);
      expect(body).toMatchObject({ allowed: true, applies_to_socket: false });
      expect(body.explanation).toHaveLength(1);
    });

    it('lists the policies that apply to a socket, and why', async () => {
      const res = await h.request('/api/v1/sockets/app-db/effective-policies');
      const { items } = (await res.json()) as Json;
      expect(items.map((i: Json) => [i.policy.name, i.via, i.tag_rule])).toEqual([
        ['engineers-read', 'tag_rule', { env: 'prod' }],
        ['dutch-only', 'attached', null],
        ['lab-everyone', 'org_wide', null],
      ]);
    });

    it('refuses unclear questions, naming the field', async () => {
      const both = await check({ identity: { email: 'a@acme.dev', service_account: 'ci' } });
      expect(both.status).toBe(400);
      expect(both.body.errors[0].field).toBe('identity');
      const exec = await check({ action: { type: 'ssh', kind: 'exec' } });
      expect(exec.body.errors[0].field).toBe('action.command');
      const ip = await check({ ip: 'not-an-ip' });
      expect(ip.body.errors).toEqual([{ field: 'ip', message: 'expected an IPv4 or IPv6 address' }]);
      const missing = await check({ socket: 'nope' });
      expect(missing.body.errors[0].field).toBe('socket');
    });
  });
}
