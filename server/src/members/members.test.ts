/** Members: adding people, role rules (canGrant, the last owner), removal side effects, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import type { Role } from '../platform/auth/roles.js';
import { issueToken } from '../tokens/token-store.js';

// biome-ignore lint/suspicious/noExplicitAny: bodies are plain JSON, checked by the assertions
type Body = any;
const read = async (res: Response | Promise<Response>): Promise<Body> => (await res).json();

for (const dialect of DIALECTS) {
  describe(`members (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await read(h.request('/api/v1/organizations/current'))).id;
    });
    afterAll(() => h?.close());

    /** Adds a member and returns a token of theirs; its role follows their membership's. */
    async function memberWithToken(email: string, role: Role) {
      const res = await h.request('/api/v1/members', { method: 'POST', json: { email, role } });
      expect(res.status).toBe(201);
      const member = await read(res);
      const { secret } = await issueToken(h.services.db, {
        orgId,
        kind: 'admin',
        name: 'test',
        role: 'owner',
        userId: member.user_id,
      });
      return { member, token: secret };
    }

    it('lists the bootstrap owner', async () => {
      const page = await read(h.request('/api/v1/members'));
      expect(page.items).toEqual([expect.objectContaining({ email: 'owner@acme.dev', role: 'owner' })]);
      expect(page.next_cursor).toBeNull();
    });

    it('adds a member by email, stored lower-case, addressable by id or email in any case', async () => {
      const res = await h.request('/api/v1/members', {
        method: 'POST',
        json: { email: 'Carol@Acme.dev', role: 'member' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      const carol = await read(res);
      expect(carol).toMatchObject({ email: 'carol@acme.dev', role: 'member', display_name: null });
      expect(res.headers.get('location')).toBe(`/api/v1/members/${carol.user_id}`);

      const byEmail = await h.request('/api/v1/members/CAROL@acme.dev');
      expect(byEmail.status).toBe(200);
      expect(byEmail.headers.get('etag')).toBe('"1"');
      expect(await read(byEmail)).toEqual(carol);
      expect(await read(h.request(`/api/v1/members/${carol.user_id}`))).toEqual(carol);
    });

    it('refuses to add someone who is already a member, naming the email', async () => {
      const res = await h.request('/api/v1/members', {
        method: 'POST',
        json: { email: 'carol@acme.dev', role: 'admin' },
      });
      expect(res.status).toBe(409);
      expect((await read(res)).errors).toEqual([{ field: 'email', message: 'is already a member' }]);
    });

    it('filters by role and by a substring of the email, and pages by cursor', async () => {
      await h.request('/api/v1/members', {
        method: 'POST',
        json: { email: 'dave@other.dev', role: 'member' },
      });
      const members = await read(h.request('/api/v1/members?role=member'));
      expect(members.items.map((m: { email: string }) => m.email).sort()).toEqual([
        'carol@acme.dev',
        'dave@other.dev',
      ]);
      const search = await read(h.request('/api/v1/members?search=other'));
      expect(search.items.map((m: { email: string }) => m.email)).toEqual(['dave@other.dev']);
      const first = await read(h.request('/api/v1/members?limit=2'));
      expect(first.items).toHaveLength(2);
      const second = await read(h.request(`/api/v1/members?limit=2&cursor=${first.next_cursor}`));
      expect(second.items).toHaveLength(1);
      expect(second.next_cursor).toBeNull();
    });

    it('replays an add with the same Idempotency-Key without adding twice', async () => {
      const send = () =>
        h.request('/api/v1/members', {
          method: 'POST',
          json: { email: 'erin@acme.dev', role: 'member' },
          headers: { 'idempotency-key': 'add-erin' },
        });
      const first = await send();
      const second = await send();
      expect(second.status).toBe(201);
      expect(await read(second)).toEqual(await read(first));
    });

    it('lets an admin add admins but not owners, and not touch owners', async () => {
      const { token } = await memberWithToken('adele@acme.dev', 'admin');
      const owner = await h.request('/api/v1/members', {
        method: 'POST',
        token,
        json: { email: 'x@acme.dev', role: 'owner' },
      });
      expect(owner.status).toBe(403);
      const admin = await h.request('/api/v1/members', {
        method: 'POST',
        token,
        json: { email: 'x@acme.dev', role: 'admin' },
      });
      expect(admin.status).toBe(201);
      const promote = await h.request('/api/v1/members/x@acme.dev', {
        method: 'PATCH',
        token,
        json: { role: 'owner' },
      });
      expect(promote.status).toBe(403);
      const demoteOwner = await h.request('/api/v1/members/owner@acme.dev', {
        method: 'PATCH',
        token,
        json: { role: 'member' },
      });
      expect(demoteOwner.status).toBe(403);
      const removeOwner = await h.request('/api/v1/members/owner@acme.dev', { method: 'DELETE', token });
      expect(removeOwner.status).toBe(403);
    });

    it('refuses writes to a read_only member but lets them read', async () => {
      const { token } = await memberWithToken('rita@acme.dev', 'read_only');
      expect((await h.request('/api/v1/members', { token })).status).toBe(200);
      const add = await h.request('/api/v1/members', {
        method: 'POST',
        token,
        json: { email: 'y@acme.dev', role: 'client' },
      });
      expect(add.status).toBe(403);
      expect((await h.request('/api/v1/members/rita@acme.dev', { method: 'DELETE', token })).status).toBe(
        403,
      );
    });

    it('never demotes or removes the last owner', async () => {
      const demote = await h.request('/api/v1/members/owner@acme.dev', {
        method: 'PATCH',
        json: { role: 'admin' },
      });
      expect(demote.status).toBe(400);
      expect((await read(demote)).errors).toEqual([
        { field: 'role', message: expect.stringMatching(/last owner/) },
      ]);
      const remove = await h.request('/api/v1/members/owner@acme.dev', { method: 'DELETE' });
      expect(remove.status).toBe(409);
      expect((await read(remove)).detail).toMatch(/last owner/);
      expect((await read(h.request('/api/v1/members/owner@acme.dev'))).role).toBe('owner');
    });

    it('lets an owner be demoted once another owner exists', async () => {
      const { token } = await memberWithToken('olga@acme.dev', 'member');
      const promote = await h.request('/api/v1/members/olga@acme.dev', {
        method: 'PATCH',
        json: { role: 'owner' },
      });
      expect(promote.status).toBe(200);
      expect(promote.headers.get('etag')).toBe('"2"');
      // Olga, now an owner, demotes the bootstrap owner, then cannot demote herself: she is the last one.
      const demote = await h.request('/api/v1/members/owner@acme.dev', {
        method: 'PATCH',
        token,
        json: { role: 'admin' },
      });
      expect(demote.status).toBe(200);
      const self = await h.request('/api/v1/members/olga@acme.dev', {
        method: 'PATCH',
        token,
        json: { role: 'admin' },
      });
      expect(self.status).toBe(400);
      // Restore the bootstrap owner for the tests that follow.
      const restore = await h.request('/api/v1/members/owner@acme.dev', {
        method: 'PATCH',
        token,
        json: { role: 'owner' },
      });
      expect(restore.status).toBe(200);
    });

    it('refuses an update with a stale If-Match', async () => {
      const res = await h.request('/api/v1/members/carol@acme.dev', {
        method: 'PATCH',
        json: { role: 'admin' },
        headers: { 'if-match': '"7"' },
      });
      expect(res.status).toBe(412);
      const ok = await h.request('/api/v1/members/carol@acme.dev', {
        method: 'PATCH',
        json: { role: 'admin' },
        headers: { 'if-match': '"1"' },
      });
      expect(ok.status).toBe(200);
      expect(await read(ok)).toMatchObject({ role: 'admin' });
    });

    it('removing a member revokes their tokens and takes them out of groups', async () => {
      const { token } = await memberWithToken('mallory@acme.dev', 'admin');
      expect((await h.request('/api/v1/sockets', { token })).status).toBe(200);
      await h.request('/api/v1/groups', { method: 'POST', json: { name: 'ops' } });
      await h.request('/api/v1/groups/ops/members', { method: 'POST', json: { email: 'mallory@acme.dev' } });

      const res = await h.request('/api/v1/members/mallory@acme.dev', { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect((await h.request('/api/v1/sockets', { token })).status).toBe(401);
      expect((await h.request('/api/v1/members/mallory@acme.dev')).status).toBe(404);
      expect((await read(h.request('/api/v1/groups/ops'))).members).toEqual([]);
      const left = await h.services.db
        .selectFrom('tokens')
        .select('id')
        .where('user_id', 'in', (eb) =>
          eb.selectFrom('users').select('id').where('email', '=', 'mallory@acme.dev'),
        )
        .execute();
      expect(left).toEqual([]);
    });

    it('does not reveal or change members of another organization', async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      expect(created.status).toBe(201);
      const other = (await read(created)).owner_token;
      const bob = await read(
        h.request('/api/v1/members', {
          method: 'POST',
          token: other,
          json: { email: 'bob@globex.dev', role: 'admin' },
        }),
      );
      expect((await h.request(`/api/v1/members/${bob.user_id}`)).status).toBe(404);
      expect((await h.request('/api/v1/members/bob@globex.dev')).status).toBe(404);
      expect(
        (await h.request('/api/v1/members/bob@globex.dev', { method: 'PATCH', json: { role: 'member' } }))
          .status,
      ).toBe(404);
      expect((await h.request('/api/v1/members/bob@globex.dev', { method: 'DELETE' })).status).toBe(404);
      const list = await read(h.request('/api/v1/members?search=globex'));
      expect(list.items).toEqual([]);
      // Adding the same email here makes an account of this organization: another id, nothing of Globex's
      // account revealed or changed. Each organization sees only its own member.
      const again = await h.request('/api/v1/members', {
        method: 'POST',
        json: { email: 'bob@globex.dev', role: 'member' },
      });
      expect(again.status).toBe(201);
      expect((await read(again)).user_id).not.toBe(bob.user_id);
      expect((await read(h.request('/api/v1/members/bob@globex.dev', { token: other }))).role).toBe('admin');
    });

    it('rejects an unknown role and unknown fields', async () => {
      const role = await h.request('/api/v1/members', {
        method: 'POST',
        json: { email: 'z@acme.dev', role: 'god' },
      });
      expect(role.status).toBe(400);
      expect((await read(role)).errors[0].field).toBe('role');
      const extra = await h.request('/api/v1/members/carol@acme.dev', {
        method: 'PATCH',
        json: { role: 'member', email: 'x@acme.dev' },
      });
      expect(extra.status).toBe(400);
    });
  });
}
