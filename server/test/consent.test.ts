/**
 * One organization can neither learn about nor affect a person's standing in another: adding an email makes an
 * account of the adding organization (the answer is the same whether the email has an account elsewhere), a
 * person who already has an account joins another organization only by accepting an invitation, and only the
 * organization that made an account manages its password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { approvedDeviceCode, openPage, pollToken, startLogin, submitForm } from './support/device-login.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

for (const dialect of DIALECTS) {
  describe(`consent across organizations (${dialect})`, () => {
    let h: Harness;
    let globex: string;
    let globexId: string;
    const acme = () => h.ownerToken;
    const call = async (method: string, path: string, token: string, json?: unknown) => {
      const res = await h.request(path, { method, token, ...(json !== undefined && { json }) });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
    };
    /** Logs in through the device flow as `email` with `password` (into `org`): the access token. */
    const login = async (email: string, password: string, org?: string) => {
      const code = await approvedDeviceCode(h.fetch, email, password, org);
      const res = await pollToken(h.fetch, code);
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const whoami = async (token: string) => (await call('GET', '/api/v1/organizations/current', token)).body;

    beforeAll(async () => {
      h = await createHarness(dialect);
      const created = await call('POST', '/api/v1/organizations', acme(), { name: 'globex' });
      // Globex's owner token: Globex's admins are the other organization here.
      globex = created.body.owner_token;
      globexId = created.body.id;
      // Acme's carol: an account of Acme with a password.
      expect(
        (await call('POST', '/api/v1/members', acme(), { email: 'carol@acme.dev', role: 'member' })).status,
      ).toBe(201);
      expect(
        (
          await call('PUT', '/api/v1/members/carol@acme.dev/password', acme(), {
            password: 'carol-acme-password',
          })
        ).status,
      ).toBe(204);
    });
    afterAll(() => h?.close());

    it('answers an add the same whether or not the email has an account elsewhere', async () => {
      const carolAtAcme = (await call('GET', '/api/v1/members/carol@acme.dev', acme())).body;
      const existing = await call('POST', '/api/v1/members', globex, {
        email: 'carol@acme.dev',
        role: 'member',
      });
      const fresh = await call('POST', '/api/v1/members', globex, {
        email: 'nobody-yet@acme.dev',
        role: 'member',
      });
      expect(existing.status).toBe(fresh.status);
      expect(Object.keys(existing.body).sort()).toEqual(Object.keys(fresh.body).sort());
      // Globex learns no id of Acme's: it made an account of its own.
      expect(existing.body.user_id).not.toBe(carolAtAcme.user_id);
      // And Acme's carol is as she was.
      expect((await call('GET', '/api/v1/members/carol@acme.dev', acme())).body).toEqual(carolAtAcme);
    });

    it('answers a password set the same whether or not the email has an account elsewhere', async () => {
      for (const email of ['dave@acme.dev', 'carol-twin@acme.dev']) {
        // Neither is a member of Globex: the same 404, whatever exists at Acme.
        if (email === 'dave@acme.dev')
          await call('POST', '/api/v1/members', acme(), { email, role: 'member' });
        const res = await call('PUT', `/api/v1/members/${email}/password`, globex, {
          password: 'x'.repeat(12),
        });
        expect(res.status, email).toBe(404);
      }
    });

    it('keeps Acme’s account and password Acme’s, whatever Globex sets', async () => {
      expect(
        (
          await call('PUT', '/api/v1/members/carol@acme.dev/password', globex, {
            password: 'carol-globex-password',
          })
        ).status,
      ).toBe(204);
      // Acme still resets its member's password.
      expect(
        (
          await call('PUT', '/api/v1/members/carol@acme.dev/password', acme(), {
            password: 'carol-acme-password-2',
          })
        ).status,
      ).toBe(204);
      // Each password logs in to its own organization only.
      expect((await whoami(await login('carol@acme.dev', 'carol-acme-password-2', h.orgName))).name).toBe(
        h.orgName,
      );
      expect((await whoami(await login('carol@acme.dev', 'carol-globex-password', 'globex'))).name).toBe(
        'globex',
      );
      expect((await whoami(await login('carol@acme.dev', 'carol-acme-password-2'))).name).toBe(h.orgName);
      const start = await startLogin(h.fetch, h.orgName);
      const page = await openPage(h.fetch, start.user_code);
      const refused = await submitForm(
        h.fetch,
        { user_code: start.user_code, email: 'carol@acme.dev', password: 'carol-globex-password' },
        page,
      );
      expect(refused.html).toMatch(/not a member of the organization|email or password is wrong/);
      expect((await pollToken(h.fetch, start.device_code)).status).toBe(400);
      // Removing Globex's carol changes nothing at Acme.
      expect((await call('DELETE', '/api/v1/members/carol@acme.dev', globex)).status).toBe(204);
      expect((await call('GET', '/api/v1/members/carol@acme.dev', acme())).status).toBe(200);
      expect((await whoami(await login('carol@acme.dev', 'carol-acme-password-2', h.orgName))).name).toBe(
        h.orgName,
      );
    });

    it('joins a person’s own account to another organization only when they accept an invitation', async () => {
      const carol = await login('carol@acme.dev', 'carol-acme-password-2', h.orgName);
      const carolAtAcme = (await call('GET', '/api/v1/members/carol@acme.dev', acme())).body;
      const invited = await call('POST', '/api/v1/invitations', globex, {
        email: 'Carol@acme.dev',
        role: 'client',
      });
      const unknown = await call('POST', '/api/v1/invitations', globex, {
        email: 'nobody@acme.dev',
        role: 'client',
      });
      expect(invited.status).toBe(201);
      expect(Object.keys(invited.body).sort()).toEqual(Object.keys(unknown.body).sort());
      expect(invited.body).toMatchObject({ email: 'carol@acme.dev', role: 'client', status: 'pending' });
      expect(invited.body.code).toMatch(/^b0i_/);
      // Nothing changed for carol yet.
      expect((await call('GET', '/api/v1/members/carol@acme.dev', globex)).status).toBe(404);
      expect((await call('GET', '/api/v1/organizations', carol)).body.items.map((o: Json) => o.name)).toEqual(
        [h.orgName],
      );

      // Another person cannot accept it; an unknown code is not found.
      const dave = await login('dave@acme.dev', await setPassword('dave@acme.dev'), h.orgName);
      expect(
        (await call('POST', '/api/v1/invitations/accept', dave, { code: invited.body.code })).status,
      ).toBe(403);
      expect((await call('POST', '/api/v1/invitations/accept', carol, { code: 'b0i_nope' })).status).toBe(
        404,
      );

      const accepted = await call('POST', '/api/v1/invitations/accept', carol, { code: invited.body.code });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ organization: { id: globexId, name: 'globex' }, role: 'client' });
      const member = (await call('GET', '/api/v1/members/carol@acme.dev', globex)).body;
      expect(member).toMatchObject({ user_id: carolAtAcme.user_id, role: 'client' });
      expect(
        (await call('GET', '/api/v1/organizations', carol)).body.items.map((o: Json) => o.name).sort(),
      ).toEqual(['globex', h.orgName].sort());
      // The code is spent.
      expect(
        (await call('POST', '/api/v1/invitations/accept', carol, { code: invited.body.code })).status,
      ).toBe(404);
      // Globex cannot set her password; Acme still can; her password logs her in to Globex too.
      const refused = await call('PUT', '/api/v1/members/carol@acme.dev/password', globex, {
        password: 'y'.repeat(12),
      });
      expect(refused.status).toBe(403);
      expect((await whoami(await login('carol@acme.dev', 'carol-acme-password-2', 'globex'))).name).toBe(
        'globex',
      );
      expect(
        (
          await call('PUT', '/api/v1/members/carol@acme.dev/password', acme(), {
            password: 'carol-acme-password-3',
          })
        ).status,
      ).toBe(204);
      // Globex's changes to its membership change nothing at Acme.
      expect(
        (await call('PATCH', '/api/v1/members/carol@acme.dev', globex, { role: 'read_only' })).status,
      ).toBe(200);
      expect((await call('GET', '/api/v1/members/carol@acme.dev', acme())).body.role).toBe('member');
      // The acceptance is audited at Globex, not at Acme.
      const globexAudit = (await call('GET', '/api/v1/audit?action=member.add', globex)).body.items;
      expect(globexAudit.some((e: Json) => e.details.invitation_id === invited.body.id)).toBe(true);
      const acmeAudit = (await call('GET', '/api/v1/audit?limit=500', acme())).body.items;
      expect(acmeAudit.some((e: Json) => e.details?.invitation_id === invited.body.id)).toBe(false);
    });

    it('refuses revoked and expired invitations', async () => {
      const dave = await login('dave@acme.dev', 'dave-acme-password', h.orgName);
      const revoked = await call('POST', '/api/v1/invitations', globex, {
        email: 'dave@acme.dev',
        role: 'client',
      });
      expect((await call('DELETE', `/api/v1/invitations/${revoked.body.id}`, globex)).status).toBe(204);
      expect((await call('DELETE', `/api/v1/invitations/${revoked.body.id}`, globex)).status).toBe(409);
      expect(
        (await call('POST', '/api/v1/invitations/accept', dave, { code: revoked.body.code })).status,
      ).toBe(404);
      const expired = await call('POST', '/api/v1/invitations', globex, {
        email: 'dave@acme.dev',
        role: 'client',
      });
      await h.services.db
        .updateTable('invitations')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', expired.body.id)
        .execute();
      expect(
        (await call('POST', '/api/v1/invitations/accept', dave, { code: expired.body.code })).status,
      ).toBe(404);
      const listed = (await call('GET', '/api/v1/invitations', globex)).body.items;
      expect(listed.find((i: Json) => i.id === expired.body.id)).toMatchObject({ status: 'expired' });
      expect(listed.find((i: Json) => i.id === revoked.body.id)).toMatchObject({ status: 'revoked' });
      expect(JSON.stringify(listed)).not.toContain('b0i_');
      // Acme sees none of Globex's invitations.
      expect((await call('GET', '/api/v1/invitations', acme())).body.items).toEqual([]);
    });

    async function setPassword(email: string) {
      const password = `${email.split('@')[0]}-acme-password`;
      expect((await call('PUT', `/api/v1/members/${email}/password`, acme(), { password })).status).toBe(204);
      return password;
    }
  });
}
