/**
 * OIDC identity providers: the API (admins only, the client secret write-only and sealed, audited without
 * it, bad input named), and logging in through a real oidc-provider on loopback: the login page's buttons,
 * a member landing on the socket with their groups synced from the claim, an invited email joining with the
 * invitation's role, refusals of unknown and unverified emails, and of wrong, reused or foreign state, a
 * wrong nonce and a wrong issuer.
 */
import { startTestIdp, type TestIdp } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { apiCalls } from '../../test/support/api-calls.js';
import { Browser, callbackOf } from '../../test/support/browser.js';

const REDIRECT_URI = 'http://test/login/oidc/callback';

describe('identity providers (pglite)', () => {
  let h: Harness;
  let idp: TestIdp;
  let providerId: string;
  const host = 'web-acme.localhost';
  const returnTo = `http://${host}:8443/dashboard?tab=1`;
  const { read, owner, asProxy } = apiCalls(() => h);
  const browser = () => new Browser((r) => h.app.fetch(r));
  const trade = (code: string) => asProxy('/web-sessions', { method: 'POST', json: { code, host } });

  const groupsOf = async (email: string) => {
    const groups = (await read(owner('/groups'))).items as { name: string; members: { email: string }[] }[];
    return groups.filter((g) => g.members.some((m) => m.email === email)).map((g) => g.name);
  };

  /** Starts a login through the provider for `returnTo` in `b`: the IdP's authorization URL. */
  async function start(b: Browser, target = returnTo, id = providerId): Promise<URL> {
    const { res } = await b.get(`/login/oidc/${id}?return_to=${encodeURIComponent(target)}`);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }
  /** The browser's visit of the callback the IdP redirected to. */
  const finish = (b: Browser, callback: URL) => b.get(`${callback.pathname}${callback.search}`);
  /** A whole login of IdP user `user` through the provider. */
  async function logIn(user: string, b = browser()) {
    const callback = await idp.logIn(await start(b), user);
    return finish(b, callback);
  }

  beforeAll(async () => {
    h = await createHarness('pglite');
    idp = await startTestIdp({
      redirectUris: [REDIRECT_URI],
      users: {
        amy: { email: 'amy@acme.dev', email_verified: true, groups: ['eng', 'ghosts'] },
        ivy: { email: 'Ivy@Acme.dev', email_verified: true, groups: ['eng'] },
        zed: { email: 'zed@elsewhere.dev', email_verified: true },
        una: { email: 'una@acme.dev', email_verified: false },
        nog: { email: 'nog@acme.dev' },
      },
    });
    await read(
      owner('/sockets', {
        method: 'POST',
        json: {
          name: 'web',
          socket_type: 'http',
          upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
        },
      }),
      201,
    );
    for (const name of ['eng', 'ops']) await read(owner('/groups', { method: 'POST', json: { name } }), 201);
    for (const email of ['amy@acme.dev', 'nog@acme.dev', 'una@acme.dev']) {
      await read(owner('/members', { method: 'POST', json: { email, role: 'client' } }), 201);
    }
    await read(owner('/groups/ops/members', { method: 'POST', json: { email: 'amy@acme.dev' } }));
    const created = await read(
      owner('/identity-providers', {
        method: 'POST',
        json: {
          name: 'corp',
          display_name: 'Corp SSO',
          issuer: idp.issuer,
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
        },
      }),
      201,
    );
    providerId = created.id;
  });
  afterAll(async () => {
    await idp?.close();
    await h?.close();
  });

  describe('the API', () => {
    it('creates with defaults, never returns the secret, keeps it sealed and out of the audit log', async () => {
      const item = await read(owner(`/identity-providers/${providerId}`));
      expect(item).toMatchObject({
        name: 'corp',
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret_set: true,
        scopes: ['openid', 'email', 'profile'],
        email_claim: 'email',
        groups_claim: 'groups',
        enabled: true,
      });
      expect(JSON.stringify(item)).not.toContain(idp.clientSecret);
      const row = await h.services.db
        .selectFrom('identity_providers')
        .select('client_secret_sealed')
        .where('id', '=', providerId)
        .executeTakeFirstOrThrow();
      expect(row.client_secret_sealed).not.toContain(idp.clientSecret);
      expect(h.services.secrets.open(row.client_secret_sealed!)).toBe(idp.clientSecret);
      const audit = await read(owner('/audit?resource_type=identity_provider'));
      expect(audit.items[0]).toMatchObject({ action: 'identity_provider.create', resource_id: providerId });
      expect(JSON.stringify(audit)).not.toContain(idp.clientSecret);
      expect((await read(owner('/identity-providers'))).items.map((p: { id: string }) => p.id)).toContain(
        providerId,
      );
    });

    it('updates (a null secret removes it) and deletes, each audited', async () => {
      const made = await read(
        owner('/identity-providers', {
          method: 'POST',
          json: {
            name: 'temp',
            issuer: 'https://login.example.com/tenant',
            client_id: 'x',
            client_secret: 's3cret-value',
            scopes: ['openid', 'email'],
            email_claim: 'upn',
            groups_claim: 'roles',
          },
        }),
        201,
      );
      const updated = await read(
        owner('/identity-providers/temp', { method: 'PATCH', json: { client_secret: null, enabled: false } }),
      );
      expect(updated).toMatchObject({
        client_secret_set: false,
        enabled: false,
        scopes: ['openid', 'email'],
      });
      expect((await owner('/identity-providers/temp', { method: 'DELETE' })).status).toBe(204);
      expect((await owner(`/identity-providers/${made.id}`)).status).toBe(404);
      const actions = (await read(owner('/audit?resource_type=identity_provider'))).items.map(
        (e: { action: string }) => e.action,
      );
      expect(actions).toEqual(
        expect.arrayContaining(['identity_provider.update', 'identity_provider.delete']),
      );
    });

    it('names the field of bad input: a plain-HTTP issuer off loopback, scopes without openid, a spaced claim', async () => {
      const base = { name: 'bad', issuer: 'https://idp.example', client_id: 'x' };
      for (const [change, field] of [
        [{ issuer: 'http://idp.example' }, 'issuer'],
        [{ issuer: 'https://idp.example/?q=1' }, 'issuer'],
        [{ scopes: ['email'] }, 'scopes'],
        [{ scopes: ['openid', 'two words'] }, 'scopes.1'],
        [{ email_claim: 'e mail' }, 'email_claim'],
        [{ client_secret_set: true }, 'client_secret_set'],
      ] as const) {
        const problem = await read(
          owner('/identity-providers', { method: 'POST', json: { ...base, ...change } }),
          400,
        );
        expect(
          problem.errors.map((e: { field: string }) => e.field).join(' '),
          JSON.stringify(change),
        ).toContain(field);
      }
    });

    it('lets only admins change providers', async () => {
      const client = await read(
        owner('/tokens', { method: 'POST', json: { name: 'ro', role: 'read_only' } }),
        201,
      );
      const json = { name: 'nope', issuer: 'https://idp.example', client_id: 'x' };
      expect((await owner('/identity-providers', { method: 'POST', json, token: client.token })).status).toBe(
        403,
      );
      expect((await owner('/identity-providers', { token: client.token })).status).toBe(200);
    });
  });

  describe('logging in through the provider', () => {
    it('offers a button per enabled provider of the return_to’s organization, and of ?org=', async () => {
      await read(
        owner('/identity-providers', {
          method: 'POST',
          json: { name: 'off', issuer: 'https://off.example', client_id: 'x', enabled: false },
        }),
        201,
      );
      const { html } = await browser().get(`/login?return_to=${encodeURIComponent(returnTo)}`);
      expect(html).toContain('Log in with Corp SSO');
      expect(html).toContain(
        `href="/login/oidc/${providerId}?return_to=${encodeURIComponent(returnTo).replace(/%20/g, '+')}`,
      );
      expect(html).not.toContain('Log in with off');
      expect((await browser().get('/login?org=acme')).html).toContain(`href="/login/oidc/${providerId}"`);
      expect((await browser().get('/login')).html).not.toContain('/login/oidc/');
    });

    it('logs a member in: back to the socket with a code, groups synced from the claim', async () => {
      const b = browser();
      const { res } = await logIn('amy', b);
      const callback = callbackOf(res);
      expect(callback.origin).toBe(`http://${host}:8443`);
      expect(callback.returnTo).toBe('/dashboard?tab=1');
      expect(b.cookies.get('border0_login')).toMatch(/^b0l_/);
      const session = await read(trade(callback.code), 201);
      const who = await read(
        asProxy('/http-identity', {
          method: 'POST',
          json: { host, web_session_token: session.web_session_token },
        }),
      );
      expect(who.user_email).toBe('amy@acme.dev');
      // Added to eng (named), taken out of ops (not named), and the unknown group `ghosts` was not made.
      expect(await groupsOf('amy@acme.dev')).toEqual(['eng']);
      expect((await read(owner('/groups'))).items.map((g: { name: string }) => g.name)).not.toContain(
        'ghosts',
      );
      const audit = (await read(owner('/audit?resource_type=group'))).items as {
        actor: string;
        action: string;
      }[];
      expect(
        audit
          .filter((e) => e.actor === 'identity_provider:corp')
          .map((e) => e.action)
          .sort(),
      ).toEqual(['group.member_add', 'group.member_remove']);
      // The next login finds the claim changed: membership follows it.
      idp.users.set('amy', { ...idp.users.get('amy'), groups: ['ops'] });
      callbackOf((await logIn('amy')).res);
      expect(await groupsOf('amy@acme.dev')).toEqual(['ops']);
    });

    it('makes an invited email a member with the invitation’s role on first login', async () => {
      await read(
        owner('/invitations', { method: 'POST', json: { email: 'ivy@acme.dev', role: 'member' } }),
        201,
      );
      expect((await owner('/members/ivy@acme.dev')).status).toBe(404);
      callbackOf((await logIn('ivy')).res);
      expect(await read(owner('/members/ivy@acme.dev'))).toMatchObject({ role: 'member' });
      expect(await groupsOf('ivy@acme.dev')).toEqual(['eng']);
      const invitations = (await read(owner('/invitations'))).items;
      expect(invitations.find((i: { email: string }) => i.email === 'ivy@acme.dev').status).toBe('accepted');
      // The second login finds the member.
      callbackOf((await logIn('ivy')).res);
    });

    it('refuses an unknown email without an invitation with a clear page, and logs nobody in', async () => {
      const b = browser();
      const { res, html } = await logIn('zed', b);
      expect(res.status).toBe(403);
      expect(html).toContain('zed@elsewhere.dev is not a member of acme and has no invitation to it');
      expect(b.cookies.has('border0_login')).toBe(false);
      expect((await owner('/members/zed@elsewhere.dev')).status).toBe(404);
    });

    it('refuses an email the provider marks unverified; accepts one it says nothing about', async () => {
      const { res, html } = await logIn('una');
      expect(res.status).toBe(403);
      expect(html).toContain('has not verified the email address una@acme.dev');
      expect(callbackOf((await logIn('nog')).res).origin).toBe(`http://${host}:8443`);
    });

    it('refuses a wrong state, a state of another browser, and a state used before', async () => {
      const b = browser();
      const callback = await idp.logIn(await start(b), 'amy');
      const forged = new URL(callback);
      forged.searchParams.set('state', 'not-the-state');
      expect((await finish(b, forged)).res.status).toBe(400);
      // Another browser, which did not start this login, cannot finish it.
      expect((await finish(browser(), callback)).res.status).toBe(400);
      // The real one could, once (the forged attempt above did not spend it) …
      const b2 = browser();
      const second = await idp.logIn(await start(b2), 'amy');
      const jar = new Map(b2.cookies);
      expect((await finish(b2, second)).res.status).toBe(303);
      // … and a replay of the same answer with the same state cookie is refused.
      for (const [k, v] of jar) b2.cookies.set(k, v);
      const replay = await finish(b2, second);
      expect(replay.res.status).toBe(400);
      expect(replay.html).toContain('already used');
    });

    it('refuses an ID token whose nonce is not the login’s', async () => {
      const b = browser();
      const authorization = await start(b);
      authorization.searchParams.set('nonce', 'a-nonce-of-the-attacker');
      const { res } = await finish(b, await idp.logIn(authorization, 'amy'));
      expect(res.status).toBe(403);
      expect(b.cookies.has('border0_login')).toBe(false);
    });

    it('refuses an answer from another issuer, and a provider whose metadata names another issuer', async () => {
      const b = browser();
      const callback = await idp.logIn(await start(b), 'amy');
      expect(callback.searchParams.get('iss')).toBe(idp.issuer);
      callback.searchParams.set('iss', 'https://evil.example');
      expect((await finish(b, callback)).res.status).toBe(403);

      const port = new URL(idp.issuer).port;
      const lookalike = await read(
        owner('/identity-providers', {
          method: 'POST',
          json: {
            name: 'lookalike',
            issuer: `http://localhost:${port}`,
            client_id: idp.clientId,
            client_secret: idp.clientSecret,
          },
        }),
        201,
      );
      const started = await browser().get(
        `/login/oidc/${lookalike.id}?return_to=${encodeURIComponent(returnTo)}`,
      );
      expect(started.res.status).toBe(502);
      expect(started.html).toContain('cannot be reached or is misconfigured');
    });

    it('refuses a provider of another organization for a socket’s login, and an unknown provider', async () => {
      const other = await read(owner('/organizations', { method: 'POST', json: { name: 'globex' } }), 201);
      const foreign = await read(
        owner('/identity-providers', {
          method: 'POST',
          token: other.owner_token,
          json: {
            name: 'corp',
            issuer: idp.issuer,
            client_id: idp.clientId,
            client_secret: idp.clientSecret,
          },
        }),
        201,
      );
      expect(
        (await browser().get(`/login/oidc/${foreign.id}?return_to=${encodeURIComponent(returnTo)}`)).res
          .status,
      ).toBe(400);
      expect((await browser().get('/login/oidc/01900000-0000-7000-8000-0000000000ff')).res.status).toBe(404);
      expect((await browser().get('/login/oidc/nope')).res.status).toBe(404);
    });
  });
});
