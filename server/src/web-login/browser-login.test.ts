/**
 * The browser login and the web sessions it hands to HTTP sockets: login with email and password, the
 * redirect with a one-time code, the proxy's trade of the code and its identity answers; refusals (CSRF,
 * open redirects, reused, expired and misdirected codes, other organizations, rate limits); logout, logout
 * everywhere and removal from the organization ending web sessions.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { apiCalls } from '../../test/support/api-calls.js';
import { Browser, callbackOf } from '../../test/support/browser.js';
import { pollToken, startLogin } from '../../test/support/device-login.js';
import { listen } from '../platform/http/node-listener.js';

const PASSWORD = 'a long and good password';

describe('browser login (pglite)', () => {
  let h: Harness;
  let orgId: string;
  const host = 'web-acme.localhost';
  const returnTo = `http://${host}:8443/reports?month=6`;
  const { read, owner, asProxy } = apiCalls(() => h);
  const browser = () => new Browser((r) => h.app.fetch(r));
  const trade = (code: string, at = host) =>
    asProxy('/web-sessions', { method: 'POST', json: { code, host: at } });
  const identify = (web_session_token: string, at = host) =>
    asProxy('/http-identity', { method: 'POST', json: { host: at, web_session_token } });

  /** A member of the organization with a password: their email. */
  async function member(name: string, role = 'client'): Promise<string> {
    const email = `${name}@acme.dev`;
    await read(owner('/members', { method: 'POST', json: { email, role } }), 201);
    await read(owner(`/members/${email}/password`, { method: 'PUT', json: { password: PASSWORD } }), 204);
    return email;
  }

  /** Logs `email` in through the page for `returnTo` and trades the code: the web session token. */
  async function webSession(email: string, b = browser()): Promise<string> {
    const { code } = callbackOf((await b.logIn(email, PASSWORD, returnTo)).res);
    return (await read(trade(code), 201)).web_session_token;
  }

  beforeAll(async () => {
    h = await createHarness('pglite');
    orgId = (await read(owner('/organizations/current'))).id;
    for (const name of ['web', 'other-web']) {
      const json = {
        name,
        socket_type: 'http',
        upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
      };
      await read(owner('/sockets', { method: 'POST', json }), 201);
    }
    const tls = {
      name: 'redis',
      socket_type: 'tls',
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
    };
    await read(owner('/sockets', { method: 'POST', json: tls }), 201);
  });
  afterAll(() => h?.close());

  it('shows a login form with a strict CSP and a CSRF cookie, its return_to escaped', async () => {
    const b = browser();
    const { res, html } = await b.get(`/login?return_to=${encodeURIComponent('http://x/"><script>')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('set-cookie')).toMatch(/border0_csrf=[^;]+;.*HttpOnly.*SameSite=Strict/i);
    expect(html).toContain('value="http://x/&quot;&gt;&lt;script&gt;"');
    expect(html).not.toContain('<script>');
    // A socket's address may be where the form's answer redirects.
    const toSocket = await b.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(toSocket.res.headers.get('content-security-policy')).toContain(
      `form-action 'self' http://${host}:8443`,
    );
  });

  it('logs in, redirects to the socket with a code, and the proxy trades it for a web session that names the person', async () => {
    const email = await member('amy');
    const b = browser();
    const { res } = await b.logIn(email, PASSWORD, returnTo);
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('border0_login='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const callback = callbackOf(res);
    expect(callback.origin).toBe(`http://${host}:8443`);
    expect(callback.returnTo).toBe('/reports?month=6');

    const session = await read(trade(callback.code), 201);
    expect(session.web_session_token).toMatch(/^b0w_/);
    const hours = (new Date(session.expires_at).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    const who = await read(identify(session.web_session_token));
    expect(who).toMatchObject({ organization_id: orgId, user_email: email });
    const jwks = await read(h.request(`/api/v1/organizations/${orgId}/jwks`, { token: null }));
    const { payload } = await jwtVerify(who.identity_token, createLocalJWKSet(jwks), { audience: host });
    expect(payload).toMatchObject({ sub: email, email });

    // Stored as digests only.
    const rows = await h.services.db.selectFrom('web_sessions').select('secret_hash').execute();
    expect(rows.map((r) => r.secret_hash)).not.toContain(session.web_session_token);

    // Logged in already: the next socket's login redirects at once, without the form.
    const again = await b.get(`/login?return_to=${encodeURIComponent(`http://other-web-acme.localhost/`)}`);
    expect(callbackOf(again.res).origin).toBe('http://other-web-acme.localhost');
  });

  it('sets the login cookie Secure over https', async () => {
    const email = await member('sec');
    const b = new Browser((r) => h.app.fetch(r), 'https://test');
    const { res } = await b.logIn(email, PASSWORD, returnTo);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('border0_login='))).toMatch(/Secure/);
  });

  it('spends a code on its first use: reused, another host’s, or expired codes get 401', async () => {
    const email = await member('bo');
    const b = browser();
    const first = callbackOf((await b.logIn(email, PASSWORD, returnTo)).res);
    await read(trade(first.code), 201);
    expect((await read(trade(first.code), 401)).detail).toMatch(/unknown, used or expired/);

    const login = () =>
      b.get(`/login?return_to=${encodeURIComponent(returnTo)}`).then((r) => callbackOf(r.res));
    const misdirected = await login();
    expect((await read(trade(misdirected.code, 'other-web-acme.localhost'), 401)).detail).toMatch(
      /another host/,
    );
    expect((await trade(misdirected.code)).status).toBe(401);

    const late = await login();
    await h.services.db
      .updateTable('web_login_codes')
      .set({ expires_at: new Date(Date.now() - 1) })
      .execute();
    expect((await trade(late.code)).status).toBe(401);
    expect((await trade('b0x_made-up')).status).toBe(401);
    expect(
      (await read(asProxy('/web-sessions', { method: 'POST', json: { host } }), 400)).errors[0].field,
    ).toBe('code');
  });

  it('binds a web session to its host', async () => {
    const token = await webSession(await member('cy'));
    expect((await identify(token, 'other-web-acme.localhost')).status).toBe(401);
    expect((await identify(token)).status).toBe(200);
  });

  it('never redirects elsewhere than an HTTP socket of the person’s organizations', async () => {
    const email = await member('dee');
    const other = await h.services.db
      .insertInto('organizations')
      .values({ id: '01900000-0000-7000-8000-000000000001', name: 'globex', display_name: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.services.db
      .insertInto('sockets')
      .values({
        id: '01900000-0000-7000-8000-000000000002',
        org_id: other.id,
        name: 'web',
        display_name: null,
        description: null,
        socket_type: 'http',
        tags: '{}',
        recording_enabled: false,
        connector_ids: '[]',
        upstream: '{}',
        upstream_secrets: null,
      })
      .execute();
    const b = browser();
    for (const target of [
      'https://evil.example/steal',
      '//evil.example/',
      'javascript:alert(1)',
      'http://redis-acme.localhost/',
      'http://web-globex.localhost/',
      `http://user:pw@${host}/`,
    ]) {
      const answer = await b.logIn(email, PASSWORD, target);
      expect(answer.res.status, target).toBe(200);
      expect(answer.res.headers.get('location'), target).toBeNull();
      expect(answer.html, target).toContain('you stay here');
    }
  });

  it('refuses a login without the CSRF token, and a wrong password, setting no login cookie', async () => {
    const email = await member('eve');
    const b = browser();
    await b.get('/login');
    const forged = await b.post('/login', { email, password: PASSWORD, csrf: 'forged' });
    expect(forged.res.status).toBe(403);
    expect(b.cookies.has('border0_login')).toBe(false);
    const bare = await browser().post('/login', { email, password: PASSWORD });
    expect(bare.res.status).toBe(403);
    const wrong = await b.post('/login', { email, password: 'not the password' });
    expect(wrong.res.status).toBe(400);
    expect(wrong.html).toContain('The email or password is wrong.');
    expect(b.cookies.has('border0_login')).toBe(false);
  });

  it('rate limits logins per account', async () => {
    const email = await member('fay');
    const b = browser();
    await b.get('/login');
    for (let i = 0; i < 10; i++)
      expect((await b.post('/login', { email, password: 'wrong' })).res.status).toBe(400);
    const limited = await b.post('/login', { email, password: PASSWORD });
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(b.cookies.has('border0_login')).toBe(false);
  });

  it('rate limits logins per client address', async () => {
    const server = await listen(h.app.fetch, { host: '127.0.0.1', port: 0 });
    try {
      const b = new Browser((r) => fetch(r), server.url);
      await b.get('/login');
      const statuses = [];
      for (let i = 0; i < 21; i++) {
        const email = `nobody-${i}@acme.dev`;
        statuses.push((await b.post('/login', { email, password: 'wrong' })).res.status);
      }
      expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
      expect(statuses[20]).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('logs out this browser: its web sessions end; logout needs the CSRF token', async () => {
    const email = await member('gus');
    const b = browser();
    const token = await webSession(email, b);
    expect((await b.post('/logout', { csrf: 'forged' })).res.status).toBe(403);
    expect((await identify(token)).status).toBe(200);
    const out = await b.post('/logout', {});
    expect(out.res.status).toBe(200);
    expect(b.cookies.has('border0_login')).toBe(false);
    expect((await identify(token)).status).toBe(401);
  });

  it('logs out everywhere with the cookie and the CSRF header, or with a person’s token', async () => {
    const email = await member('hal');
    const first = browser();
    const second = browser();
    const one = await webSession(email, first);
    const two = await webSession(email, second);
    const logout = (b: Browser, csrf?: string) =>
      h.app.fetch(
        new Request('http://test/api/v1/me/logout-everywhere', {
          method: 'POST',
          headers: { cookie: b.cookieHeader(), ...(csrf !== undefined && { 'x-csrf-token': csrf }) },
        }),
      );
    expect((await logout(first)).status).toBe(403);
    expect((await logout(first, 'forged')).status).toBe(403);
    expect((await logout(browser(), 'x')).status).toBe(401);
    expect((await identify(one)).status).toBe(200);
    const res = await logout(first, first.cookies.get('border0_csrf'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { logins_ended: number }).logins_ended).toBe(2);
    expect((await identify(one)).status).toBe(401);
    expect((await identify(two)).status).toBe(401);
    // The second browser's cookie is dead too: the login page shows the form again.
    expect((await second.get('/login')).html).toContain('name="password"');

    // With the owner's token: the owner's browser logins end.
    const ownerBrowser = browser();
    const ownerSession = await (async () => {
      const { code } = callbackOf(
        (await ownerBrowser.logIn(`owner@acme.dev`, h.ownerPassword, returnTo)).res,
      );
      return (await read(trade(code), 201)).web_session_token as string;
    })();
    expect(await read(owner('/me/logout-everywhere', { method: 'POST' }))).toEqual({ logins_ended: 1 });
    expect((await identify(ownerSession)).status).toBe(401);
  });

  it('approves a device login with the browser login instead of the password', async () => {
    const email = await member('jan');
    const b = browser();
    await b.logIn(email, PASSWORD);
    const start = await startLogin((r) => h.app.fetch(r));
    const page = await b.get(`/device?user_code=${start.user_code}`);
    expect(page.html).toContain(`Approve as <strong>${email}</strong>`);
    expect(page.html).not.toContain('name="password"');
    // The device page's own CSRF cookie is required as before.
    expect(page.html).toContain(`value="${b.cookies.get('border0_device_csrf')}"`);
    expect((await b.post('/device', { csrf: 'forged', user_code: start.user_code })).res.status).toBe(403);
    const csrf = b.cookies.get('border0_device_csrf')!;
    const done = await b.post('/device', { csrf, user_code: start.user_code, decision: 'approve' });
    expect(done.res.status).toBe(200);
    expect(done.html).toContain(`as ${email}`);
    const token = await pollToken((r) => h.app.fetch(r), start.device_code);
    expect(((await token.json()) as { email: string }).email).toBe(email);
    // Without a browser login, the password is asked as before.
    const fresh = await browser().get(`/device?user_code=${start.user_code}`);
    expect(fresh.html).toContain('name="password"');
  });

  it('ends a web session when its person leaves the organization', async () => {
    const email = await member('ida');
    const token = await webSession(email);
    await read(owner(`/members/${email}`, { method: 'DELETE' }), 204);
    expect((await identify(token)).status).toBe(401);
  });
});
