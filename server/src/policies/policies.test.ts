/** /api/v1/policies over each store: CRUD, validation paths, attachments, the socket filter, isolation, audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { newId } from '../platform/ids.js';
import { issueToken } from '../tokens/token-store.js';

const document = (extra: Record<string, unknown> = {}) => ({
  permissions: { ssh: { shell: {} }, http: {} },
  condition: { who: { email: ['alice@acme.dev'] }, ...extra },
});

for (const dialect of DIALECTS) {
  describe(`policies (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const sockets: Record<string, string> = {};

    const json = async (response: Response, status: number) => {
      const body = await response.text();
      expect(response.status, body).toBe(status);
      return body ? JSON.parse(body) : undefined;
    };
    const createPolicy = async (body: Record<string, unknown>, status = 201) =>
      json(
        await h.request('/api/v1/policies', { method: 'POST', json: { document: document(), ...body } }),
        status,
      );
    const createSocket = async (name: string, tags: Record<string, string>) => {
      const upstream_configuration = { type: 'http', hostname: '127.0.0.1', port: 8080 };
      const body = { name, socket_type: 'http', tags, upstream_configuration };
      sockets[name] = (
        await json(await h.request('/api/v1/sockets', { method: 'POST', json: body }), 201)
      ).id;
    };
    const namesFor = async (socket: string) => {
      const page = await json(await h.request(`/api/v1/policies?socket=${socket}&limit=500`), 200);
      return page.items.map((p: { name: string }) => p.name).sort();
    };

    beforeAll(async () => {
      h = await createHarness(dialect);
      const org = await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
      orgId = org.id;
      await createSocket('web', { env: 'prod', team: 'web' });
      await createSocket('db', { env: 'dev' });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('creates, reads, updates and deletes a policy by id and by name', async () => {
      const created = await createPolicy({
        name: 'crud',
        description: 'first',
        sockets: ['web', sockets.db],
      });
      expect(created).toMatchObject({
        name: 'crud',
        version: 'v2',
        org_wide: false,
        tag_rules: [],
        document: document(),
      });
      expect([...created.socket_ids].sort()).toEqual([sockets.web, sockets.db].sort());

      for (const ref of [created.id, 'crud']) {
        const response = await h.request(`/api/v1/policies/${ref}`);
        expect(response.headers.get('etag')).toBe('"1"');
        expect(await json(response, 200)).toEqual(created);
      }

      const patched = await h.request('/api/v1/policies/crud', {
        method: 'PATCH',
        headers: { 'if-match': '"1"' },
        json: { name: 'crud-2', description: null, tag_rules: [{ env: 'prod' }], sockets: ['db'] },
      });
      expect(patched.headers.get('etag')).toBe('"2"');
      expect(await json(patched, 200)).toMatchObject({
        name: 'crud-2',
        description: null,
        tag_rules: [{ env: 'prod' }],
        socket_ids: [sockets.db],
      });

      await json(await h.request('/api/v1/policies/crud-2', { method: 'DELETE' }), 204);
      await json(await h.request(`/api/v1/policies/${created.id}`), 404);
      const left = await h.services.db.selectFrom('policy_sockets').where('policy_id', '=', created.id);
      expect(await left.selectAll().execute()).toEqual([]);
    });

    it('names the full path of an invalid document field', async () => {
      const bogus = { permissions: { ssh: { bogus: true } }, condition: {} };
      const problem = await createPolicy({ name: 'bad', document: bogus }, 400);
      expect(problem.errors[0]).toEqual({
        field: 'document.permissions.ssh.bogus',
        message: 'unknown field',
      });

      const when = { time_of_day_after: '8am' };
      const late = await createPolicy({ name: 'bad', document: document({ when }) }, 400);
      expect(late.errors[0].field).toBe('document.condition.when.time_of_day_after');
      expect(late.errors[0].message).toMatch(/expected HH:MM with a time zone/);

      const empty = await createPolicy({ name: 'bad', tag_rules: [{}] }, 400);
      expect(empty.errors[0].field).toBe('tag_rules.0');
      await createPolicy({ name: 'bad', version: 'v1' }, 400);
      await createPolicy({ name: newId() }, 400);
    });

    it('refuses an allowed command with a control character, naming the command', async () => {
      const exec = (command: string) => ({
        permissions: { ssh: { exec: { commands: ['uptime', command] } } },
        condition: {},
      });
      for (const command of ['bash\n/tmp/report.sh', 'uptime\r', 'echo \u001b]52;c;eA==\u0007']) {
        const problem = await createPolicy({ name: 'bad', document: exec(command) }, 400);
        expect(problem.errors[0].field).toBe('document.permissions.ssh.exec.commands.1');
        expect(problem.errors[0].message).toMatch(/must not contain control characters/);
      }
    });

    it('refuses groups and sockets that are not in the organization', async () => {
      const groupId = newId();
      await h.services.db.insertInto('groups').values({ id: groupId, org_id: orgId, name: 'eng' }).execute();
      const who = { group: [groupId, newId()] };
      const problem = await createPolicy({ name: 'groups', document: document({ who }) }, 400);
      expect(problem.errors[0].field).toBe('document.condition.who.group.1');
      await createPolicy({ name: 'groups', document: document({ who: { group: [groupId] } }) });

      const missing = await createPolicy({ name: 'ghost', sockets: ['web', 'nope'] }, 400);
      expect(missing.errors[0].field).toBe('sockets.1');
    });

    it('attaches and detaches sockets', async () => {
      const policy = await createPolicy({ name: 'attach' });
      const attach = (socket: string) =>
        h.request('/api/v1/policies/attach/sockets', { method: 'POST', json: { socket } });
      const first = await attach('web');
      expect(first.headers.get('etag')).toBe('"2"');
      expect((await json(first, 200)).socket_ids).toEqual([sockets.web]);
      const again = await attach(sockets.web!);
      expect(again.headers.get('etag')).toBe('"2"');
      expect((await json(again, 200)).socket_ids).toEqual([sockets.web]);
      expect((await json(await attach('nope'), 400)).errors[0].field).toBe('socket');

      await json(await h.request(`/api/v1/policies/${policy.id}/sockets/web`, { method: 'DELETE' }), 204);
      await json(await h.request('/api/v1/policies/attach/sockets/web', { method: 'DELETE' }), 404);
      expect((await json(await h.request('/api/v1/policies/attach'), 200)).socket_ids).toEqual([]);
    });

    it('replays an attachment for the same Idempotency-Key, and refuses the key for another socket', async () => {
      await createPolicy({ name: 'attach-idem' });
      const attach = (socket: string) =>
        h.request('/api/v1/policies/attach-idem/sockets', {
          method: 'POST',
          headers: { 'idempotency-key': 'attach-idem-1' },
          json: { socket },
        });
      const first = await attach('web');
      const firstBody = await json(first, 200);
      await json(await h.request('/api/v1/policies/attach-idem/sockets/web', { method: 'DELETE' }), 204);
      // The repeat answers the first result and changes nothing: the detached socket stays detached.
      const replay = await attach('web');
      expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(await json(replay, 200)).toEqual(firstBody);
      expect((await json(await h.request('/api/v1/policies/attach-idem'), 200)).socket_ids).toEqual([]);
      expect((await json(await attach('db'), 422)).type).toBe('/problems/idempotency-mismatch');
    });

    it('lists the policies that apply to a socket', async () => {
      await createPolicy({ name: 'f-everywhere', org_wide: true });
      await createPolicy({ name: 'f-attached', sockets: ['db'] });
      await createPolicy({ name: 'f-tags', tag_rules: [{ env: 'prod', team: 'web' }] });
      await createPolicy({ name: 'f-either', tag_rules: [{ team: 'data' }, { env: 'dev' }] });
      await createPolicy({ name: 'f-other-tags', tag_rules: [{ env: 'prod', team: 'data' }] });

      const applying = async (socket: string) =>
        (await namesFor(socket)).filter((n: string) => n.startsWith('f-'));
      expect(await applying('web')).toEqual(['f-everywhere', 'f-tags']);
      expect(await applying(sockets.db!)).toEqual(['f-attached', 'f-either', 'f-everywhere']);
      expect((await json(await h.request('/api/v1/policies?socket=nope'), 400)).errors[0].field).toBe(
        'socket',
      );

      const byName = await json(await h.request('/api/v1/policies?name=f-tags'), 200);
      expect(byName.items.map((p: { name: string }) => p.name)).toEqual(['f-tags']);
      const search = await json(await h.request('/api/v1/policies?search=OTHER'), 200);
      expect(search.items.map((p: { name: string }) => p.name)).toEqual(['f-other-tags']);

      const first = await json(await h.request('/api/v1/policies?socket=db&limit=2'), 200);
      const second = await json(
        await h.request(`/api/v1/policies?socket=db&limit=2&cursor=${first.next_cursor}`),
        200,
      );
      expect(first.items).toHaveLength(2);
      expect(second.items.length).toBeGreaterThan(0);
      const paged = [...first.items, ...second.items].map((p: { name: string }) => p.name);
      expect(paged.filter((n) => n.startsWith('f-')).sort()).toEqual(await applying('db'));
    });

    it('drops the attachments of a deleted socket', async () => {
      await createSocket('temp', {});
      const policy = await createPolicy({ name: 'temp-socket', sockets: ['temp', 'web'] });
      await json(await h.request('/api/v1/sockets/temp', { method: 'DELETE' }), 204);
      expect((await json(await h.request(`/api/v1/policies/${policy.id}`), 200)).socket_ids).toEqual([
        sockets.web,
      ]);
    });

    it('refuses a stale If-Match', async () => {
      await createPolicy({ name: 'etag' });
      const update = (etag: string) =>
        h.request('/api/v1/policies/etag', {
          method: 'PATCH',
          headers: { 'if-match': etag },
          json: { org_wide: true },
        });
      await json(await update('"1"'), 200);
      await json(await update('"1"'), 412);
      const stale = { method: 'DELETE', headers: { 'if-match': '"1"' } };
      await json(await h.request('/api/v1/policies/etag', stale), 412);
      await json(await h.request('/api/v1/policies/etag'), 200);
    });

    it('hides the policies of another organization', async () => {
      const other = await json(
        await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'other' } }),
        201,
      );
      const token = other.owner_token;
      const theirs = await json(
        await h.request('/api/v1/policies', {
          method: 'POST',
          token,
          json: { name: 'theirs', document: document() },
        }),
        201,
      );
      for (const ref of [theirs.id, 'theirs']) {
        await json(await h.request(`/api/v1/policies/${ref}`), 404);
        await json(
          await h.request(`/api/v1/policies/${ref}`, { method: 'PATCH', json: { org_wide: true } }),
          404,
        );
        await json(await h.request(`/api/v1/policies/${ref}`, { method: 'DELETE' }), 404);
        await json(
          await h.request(`/api/v1/policies/${ref}/sockets`, { method: 'POST', json: { socket: 'web' } }),
          404,
        );
      }
      expect((await json(await h.request('/api/v1/policies?name=theirs'), 200)).items).toEqual([]);
      const attachOurs = { method: 'POST', token, json: { socket: sockets.web } };
      await json(await h.request(`/api/v1/policies/${theirs.id}/sockets`, attachOurs), 400);
      // The same name in another organization is no conflict.
      await createPolicy({ name: 'theirs' });
    });

    it('lets read_only read but not write', async () => {
      const owner = await h.services.db
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow();
      const request = { orgId, kind: 'admin' as const, name: 'ro', role: 'read_only', userId: owner.user_id };
      const { secret: token } = await issueToken(h.services.db, request);
      await json(await h.request('/api/v1/policies', { token }), 200);
      const write = { method: 'POST', token, json: { name: 'ro', document: document() } };
      await json(await h.request('/api/v1/policies', write), 403);
      await json(
        await h.request('/api/v1/policies/attach/sockets', { ...write, json: { socket: 'web' } }),
        403,
      );
    });

    it('audits every change and replays an idempotent create', async () => {
      const headers = { 'idempotency-key': 'audit-1' };
      const body = { name: 'audited', document: document() };
      const created = await json(
        await h.request('/api/v1/policies', { method: 'POST', headers, json: body }),
        201,
      );
      const replay = await json(
        await h.request('/api/v1/policies', { method: 'POST', headers, json: body }),
        201,
      );
      expect(replay).toEqual(created);
      const path = `/api/v1/policies/${created.id}`;
      await json(await h.request(path, { method: 'PATCH', json: { description: 'x' } }), 200);
      await json(await h.request(`${path}/sockets`, { method: 'POST', json: { socket: 'web' } }), 200);
      await json(await h.request(`${path}/sockets/web`, { method: 'DELETE' }), 204);
      await json(await h.request(path, { method: 'DELETE' }), 204);

      const entries = await h.services.db
        .selectFrom('audit_entries')
        .select(['action', 'resource_type', 'actor', 'details'])
        .where('org_id', '=', orgId)
        .where('resource_id', '=', created.id)
        .orderBy('seq')
        .execute();
      expect(entries.map((e) => e.action)).toEqual([
        'policy.create',
        'policy.update',
        'policy.attach',
        'policy.detach',
        'policy.delete',
      ]);
      expect(entries.every((e) => e.resource_type === 'policy' && e.actor === 'user:owner@acme.dev')).toBe(
        true,
      );
      expect(entries[2]!.details).toMatchObject({ name: 'audited', socket_id: sockets.web, socket: 'web' });
    });
  });
}
