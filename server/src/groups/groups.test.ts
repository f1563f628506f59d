/** Groups: names, membership limited to the organization's members, versions, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

for (const dialect of DIALECTS) {
  describe(`groups (${dialect})`, () => {
    let h: Harness;
    let alice: { user_id: string; email: string };
    beforeAll(async () => {
      h = await createHarness(dialect);
      alice = await read(
        h.request('/api/v1/members', {
          method: 'POST',
          json: { email: 'alice@acme.dev', role: 'member' },
        }),
      );
      await h.request('/api/v1/members', { method: 'POST', json: { email: 'bob@acme.dev', role: 'member' } });
    });
    afterAll(() => h?.close());

    it('creates a group, addressable by name or id', async () => {
      const res = await h.request('/api/v1/groups', {
        method: 'POST',
        json: { name: 'engineers', description: 'Everyone who ships' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      const group = await read(res);
      expect(group).toMatchObject({ name: 'engineers', description: 'Everyone who ships', members: [] });
      expect(await read(h.request(`/api/v1/groups/${group.id}`))).toEqual(group);
      expect(await read(h.request('/api/v1/groups/engineers'))).toEqual(group);
    });

    it('refuses a second group with the same name', async () => {
      const res = await h.request('/api/v1/groups', { method: 'POST', json: { name: 'engineers' } });
      expect(res.status).toBe(409);
      expect((await read(res)).errors).toEqual([{ field: 'name', message: 'already exists' }]);
    });

    it('adds members by email and lists them, each version a new ETag', async () => {
      const first = await h.request('/api/v1/groups/engineers/members', {
        method: 'POST',
        json: { email: 'BOB@acme.dev' },
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe('"2"');
      const second = await h.request('/api/v1/groups/engineers/members', {
        method: 'POST',
        json: { email: 'alice@acme.dev' },
      });
      expect(second.headers.get('etag')).toBe('"3"');
      const group = await read(second);
      expect(group.members.map((m: { email: string }) => m.email)).toEqual([
        'alice@acme.dev',
        'bob@acme.dev',
      ]);
      expect(group.members[0]).toEqual({ user_id: alice.user_id, email: alice.email });
      const list = await read(h.request('/api/v1/groups'));
      expect(list.items).toEqual([group]);
    });

    it('refuses someone who is not a member of the organization, naming the email', async () => {
      const res = await h.request('/api/v1/groups/engineers/members', {
        method: 'POST',
        json: { email: 'stranger@else.dev' },
      });
      expect(res.status).toBe(400);
      expect((await read(res)).errors).toEqual([
        { field: 'email', message: expect.stringMatching(/not a member/) },
      ]);
    });

    it('refuses to add the same member twice', async () => {
      const res = await h.request('/api/v1/groups/engineers/members', {
        method: 'POST',
        json: { email: 'alice@acme.dev' },
      });
      expect(res.status).toBe(409);
    });

    it('replays an added member for the same Idempotency-Key, and refuses the key for another body', async () => {
      await h.request('/api/v1/groups', { method: 'POST', json: { name: 'idem-team' } });
      const add = (email: string) =>
        h.request('/api/v1/groups/idem-team/members', {
          method: 'POST',
          headers: { 'idempotency-key': 'add-alice' },
          json: { email },
        });
      const first = await add('alice@acme.dev');
      const again = await add('alice@acme.dev');
      // A second add without the key would be a 409: the replay answers the first result instead.
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(await read(again)).toEqual(await read(first));
      const other = await add('bob@acme.dev');
      expect(other.status).toBe(422);
      const members = (await read(h.request('/api/v1/groups/idem-team'))).members;
      expect(members.map((m: { email: string }) => m.email)).toEqual(['alice@acme.dev']);
      expect((await h.request('/api/v1/groups/idem-team', { method: 'DELETE' })).status).toBe(204);
    });

    it('removes a member by email or user id, and 404s for one not in the group', async () => {
      expect(
        (await h.request('/api/v1/groups/engineers/members/Bob@acme.dev', { method: 'DELETE' })).status,
      ).toBe(204);
      expect(
        (await h.request(`/api/v1/groups/engineers/members/${alice.user_id}`, { method: 'DELETE' })).status,
      ).toBe(204);
      expect(
        (await h.request('/api/v1/groups/engineers/members/bob@acme.dev', { method: 'DELETE' })).status,
      ).toBe(404);
      expect((await read(h.request('/api/v1/groups/engineers'))).members).toEqual([]);
    });

    it('renames with If-Match and refuses a stale one', async () => {
      const current = await h.request('/api/v1/groups/engineers');
      const etag = current.headers.get('etag')!;
      const stale = await h.request('/api/v1/groups/engineers', {
        method: 'PATCH',
        json: { name: 'devs' },
        headers: { 'if-match': '"1"' },
      });
      expect(stale.status).toBe(412);
      const ok = await h.request('/api/v1/groups/engineers', {
        method: 'PATCH',
        json: { name: 'devs', description: null },
        headers: { 'if-match': etag },
      });
      expect(ok.status).toBe(200);
      expect(await read(ok)).toMatchObject({ name: 'devs', description: null });
      expect((await h.request('/api/v1/groups/engineers')).status).toBe(404);
    });

    it('refuses a rename onto an existing name', async () => {
      await h.request('/api/v1/groups', { method: 'POST', json: { name: 'ops' } });
      const res = await h.request('/api/v1/groups/ops', { method: 'PATCH', json: { name: 'devs' } });
      expect(res.status).toBe(409);
    });

    it('lets a read_only token read groups but not change them', async () => {
      const created = await h.request('/api/v1/tokens', {
        method: 'POST',
        json: { name: 'ro', role: 'read_only' },
      });
      const readOnly = (await read(created)).token;
      expect((await h.request('/api/v1/groups/devs', { token: readOnly })).status).toBe(200);
      const write = await h.request('/api/v1/groups', {
        method: 'POST',
        token: readOnly,
        json: { name: 'nope' },
      });
      expect(write.status).toBe(403);
      const add = await h.request('/api/v1/groups/devs/members', {
        method: 'POST',
        token: readOnly,
        json: { email: 'alice@acme.dev' },
      });
      expect(add.status).toBe(403);
    });

    it('does not reveal or change groups of another organization', async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'initech' } });
      const other = (await read(created)).owner_token;
      const theirs = await read(
        h.request('/api/v1/groups', { method: 'POST', token: other, json: { name: 'devs' } }),
      );
      expect(theirs.id).toBeTruthy();
      expect((await h.request(`/api/v1/groups/${theirs.id}`)).status).toBe(404);
      expect(
        (await h.request(`/api/v1/groups/${theirs.id}`, { method: 'PATCH', json: { name: 'x' } })).status,
      ).toBe(404);
      expect((await h.request(`/api/v1/groups/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
      expect(
        (
          await h.request(`/api/v1/groups/${theirs.id}/members`, {
            method: 'POST',
            json: { email: 'alice@acme.dev' },
          })
        ).status,
      ).toBe(404);
      // Their owner cannot put one of our members into their group either.
      const cross = await h.request('/api/v1/groups/devs/members', {
        method: 'POST',
        token: other,
        json: { email: 'alice@acme.dev' },
      });
      expect(cross.status).toBe(400);
      // Same name in both organizations: each sees its own.
      expect((await read(h.request('/api/v1/groups/devs'))).id).not.toBe(theirs.id);
    });

    it('deletes a group with its memberships', async () => {
      await h.request('/api/v1/groups/devs/members', { method: 'POST', json: { email: 'alice@acme.dev' } });
      const res = await h.request('/api/v1/groups/devs', { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect((await h.request('/api/v1/groups/devs')).status).toBe(404);
      const left = await h.services.db
        .selectFrom('group_members')
        .select('user_id')
        .where('user_id', '=', alice.user_id)
        .execute();
      expect(left).toEqual([]);
    });
  });
}
