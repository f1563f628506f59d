/**
 * Device login (RFC 8628): a client starts, the person approves on `/device` with email and password, the
 * client polls for a person's token. Refusals change nothing and never approve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import {
  approvedDeviceCode,
  openPage,
  pollToken,
  refreshToken,
  revokeToken,
  startLogin,
  submitForm,
} from '../../test/support/device-login.js';
import { sweepExpiredDeviceLogins } from './device-login-store.js';

describe('device login (pglite)', () => {
  let h: Harness;
  let email: string;
  const fetch = (r: Request) => h.app.fetch(r);

  beforeAll(async () => {
    h = await createHarness('pglite');
    email = `owner@${h.orgName}.dev`;
  });
  afterAll(() => h?.close());

  const errorOf = async (res: Promise<Response>) => ((await (await res).json()) as { error: string }).error;

  /** Lets the next poll come after the interval, without waiting for it. */
  const forgetLastPoll = () =>
    h.services.db.updateTable('device_authorizations').set({ last_polled_at: null }).execute();

  it('logs a client in: start, pending, approve on the page, token, and the token works', async () => {
    const start = await startLogin(fetch);
    expect(start.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(start.verification_uri).toBe('http://test/device');
    expect(start.verification_uri_complete).toBe(`http://test/device?user_code=${start.user_code}`);
    expect(start).toMatchObject({ expires_in: 600, interval: 2 });

    const pending = await pollToken(fetch, start.device_code);
    expect(pending.status).toBe(400);
    expect(await pending.json()).toMatchObject({ error: 'authorization_pending' });

    const page = await openPage(fetch, start.user_code);
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    expect(page.res.headers.get('x-frame-options')).toBe('DENY');
    expect(page.res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(page.res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect(page.res.headers.get('set-cookie')).toMatch(/Path=\/device/);
    expect(page.html).toContain(`value="${start.user_code}"`);
    expect(page.csrf).not.toBe('');

    const done = await submitForm(
      fetch,
      { user_code: start.user_code, email, password: h.ownerPassword },
      page,
    );
    expect(done.status).toBe(200);
    expect(done.html).toContain('You can close this window');

    await forgetLastPoll();
    const res = await pollToken(fetch, start.device_code);
    expect(res.status).toBe(200);
    const token = (await res.json()) as Record<string, unknown>;
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, organization: h.orgName, email });
    expect(token.refresh_token).toMatch(/^b0r_/);
    const loginDays = (new Date(token.login_expires_at as string).getTime() - Date.now()) / 86_400_000;
    expect(loginDays).toBeGreaterThan(29.9);

    const org = await h.request('/api/v1/organizations/current', { token: token.access_token as string });
    expect(org.status).toBe(200);
    expect(await org.json()).toMatchObject({ name: h.orgName, role: 'owner' });

    const stored = await h.services.db
      .selectFrom('tokens')
      .selectAll()
      .where('name', '=', 'device login')
      .executeTakeFirstOrThrow();
    expect(stored.kind).toBe('admin');
    const hours = (new Date(stored.expires_at!).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.95);
    expect(hours).toBeLessThanOrEqual(1);

    // Single use: the code answers no second token.
    await forgetLastPoll();
    const again = await pollToken(fetch, start.device_code);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

    // Audited with the person as actor, and no secret in the log.
    const audit = await h.services.db
      .selectFrom('audit_entries')
      .selectAll()
      .where('action', 'like', 'device_login.%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['device_login.approve', 'device_login.token.issue']);
    for (const entry of audit) expect(entry.actor).toBe(`user:${email}`);
    const logged = JSON.stringify(audit);
    for (const secret of [
      start.device_code,
      start.user_code,
      token.access_token as string,
      token.refresh_token as string,
      h.ownerPassword,
    ]) {
      expect(logged).not.toContain(secret);
    }
    // Codes are stored as digests only.
    const rows = JSON.stringify(
      await h.services.db.selectFrom('device_authorizations').selectAll().execute(),
    );
    expect(rows).not.toContain(start.device_code);
    expect(rows).not.toContain(start.user_code);
  });

  it('answers slow_down to a client that polls faster than the interval', async () => {
    const start = await startLogin(fetch);
    expect(await errorOf(pollToken(fetch, start.device_code))).toBe('authorization_pending');
    const fast = await pollToken(fetch, start.device_code);
    expect(fast.status).toBe(400);
    expect(await fast.json()).toMatchObject({ error: 'slow_down' });
  });

  it('approves nothing with a wrong password, a wrong code, or a CSRF mismatch', async () => {
    const start = await startLogin(fetch);
    const attempts: [Record<string, string>, { csrf: string; cookie: string } | undefined, RegExp][] = [
      [{ user_code: start.user_code, email, password: 'not the password' }, undefined, /email or password/],
      [
        { user_code: start.user_code, email: 'nobody@acme.dev', password: h.ownerPassword },
        undefined,
        /email or password/,
      ],
      [{ user_code: 'BBBB-BBBB', email, password: h.ownerPassword }, undefined, /code is unknown/],
      [{ user_code: 'not a code', email, password: h.ownerPassword }, undefined, /code is unknown/],
    ];
    const page = await openPage(fetch);
    attempts.push(
      [
        { user_code: start.user_code, email, password: h.ownerPassword },
        { csrf: 'forged', cookie: page.cookie },
        /form expired/,
      ],
      [
        { user_code: start.user_code, email, password: h.ownerPassword },
        { csrf: page.csrf, cookie: '' },
        /form expired/,
      ],
    );
    for (const [fields, session, message] of attempts) {
      const res = await submitForm(fetch, fields, session);
      expect(res.status, JSON.stringify(fields)).toBeGreaterThanOrEqual(400);
      expect(res.html).toMatch(message);
      expect(res.html).not.toContain('You can close this window');
    }
    await forgetLastPoll();
    expect(await errorOf(pollToken(fetch, start.device_code))).toBe('authorization_pending');
  });

  it('refuses an organization the person is not a member of, and a code used once', async () => {
    const start = await startLogin(fetch, 'elsewhere');
    const res = await submitForm(fetch, { user_code: start.user_code, email, password: h.ownerPassword });
    expect(res.status).toBe(400);
    expect(res.html).toMatch(/not a member of the organization elsewhere/);

    const code = await startLogin(fetch);
    const first = await submitForm(fetch, { user_code: code.user_code, email, password: h.ownerPassword });
    expect(first.status).toBe(200);
    const second = await submitForm(fetch, { user_code: code.user_code, email, password: h.ownerPassword });
    expect(second.status).toBe(400);
    expect(second.html).toMatch(/code is unknown, already used/);
  });

  it('answers access_denied when the person denies, and the unknown codes as invalid_grant', async () => {
    const start = await startLogin(fetch);
    const denied = await submitForm(fetch, {
      user_code: start.user_code,
      email,
      password: h.ownerPassword,
      decision: 'deny',
    });
    expect(denied.status).toBe(200);
    expect(await errorOf(pollToken(fetch, start.device_code))).toBe('access_denied');
    expect(await errorOf(pollToken(fetch, 'nope'))).toBe('invalid_grant');
  });

  it('logs in to the organization asked for', async () => {
    const deviceCode = await approvedDeviceCode(fetch, email, h.ownerPassword, h.orgName);
    const res = await pollToken(fetch, deviceCode);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { organization: string }).organization).toBe(h.orgName);
  });

  interface Tokens {
    access_token: string;
    refresh_token: string;
    expires_in: number;
  }
  const loggedIn = async (): Promise<Tokens> => {
    const res = await pollToken(fetch, await approvedDeviceCode(fetch, email, h.ownerPassword));
    expect(res.status).toBe(200);
    return (await res.json()) as Tokens;
  };
  const works = async (accessToken: string) =>
    (await h.request('/api/v1/organizations/current', { token: accessToken })).status === 200;

  it('refreshes: the next pair works, the previous access token stops, and each refresh token is single use', async () => {
    const first = await loggedIn();
    const res = await refreshToken(fetch, first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const second = (await res.json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(await works(second.access_token)).toBe(true);
    expect(await works(first.access_token)).toBe(false);

    // The spent token presented again: a copy exists, so the whole login ends, the live pair included.
    const replay = await refreshToken(fetch, first.refresh_token);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await works(second.access_token)).toBe(false);
    expect((await refreshToken(fetch, second.refresh_token)).status).toBe(400);
    const audit = await h.services.db
      .selectFrom('audit_entries')
      .select('action')
      .where('action', '=', 'device_login.refresh_reuse')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('refuses unknown, malformed and expired refresh tokens', async () => {
    expect((await refreshToken(fetch, 'b0r_unknown')).status).toBe(400);
    expect((await refreshToken(fetch, 'something else')).status).toBe(400);
    const tokens = await loggedIn();
    await h.services.db
      .updateTable('refresh_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    const expired = await refreshToken(fetch, tokens.refresh_token);
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes a login by its refresh token or by its access token; unknown tokens answer 204 too', async () => {
    const byRefresh = await loggedIn();
    expect((await revokeToken(fetch, byRefresh.refresh_token)).status).toBe(204);
    expect(await works(byRefresh.access_token)).toBe(false);
    expect((await refreshToken(fetch, byRefresh.refresh_token)).status).toBe(400);

    const byAccess = await loggedIn();
    expect((await revokeToken(fetch, byAccess.access_token)).status).toBe(204);
    expect(await works(byAccess.access_token)).toBe(false);
    expect((await refreshToken(fetch, byAccess.refresh_token)).status).toBe(400);

    expect((await revokeToken(fetch, 'b0r_nothing')).status).toBe(204);
    // A token that is no login's (the owner's bootstrap token) is not revoked through this endpoint.
    expect((await revokeToken(fetch, h.ownerToken)).status).toBe(204);
    expect(await works(h.ownerToken)).toBe(true);
  });

  it('sweeps device codes long expired and the tokens of ended logins', async () => {
    const start = await startLogin(fetch);
    const tokens = await loggedIn();
    const later = new Date(Date.now() + 31 * 86_400_000);
    expect(await sweepExpiredDeviceLogins(h.services.db, later)).toBeGreaterThan(2);
    expect(await errorOf(pollToken(fetch, start.device_code))).toBe('invalid_grant');
    const left = await h.services.db.selectFrom('refresh_tokens').select('id').execute();
    expect(left).toHaveLength(0);
    expect(tokens.refresh_token).toMatch(/^b0r_/);
  });

  it('limits logins started per address and minute, with Retry-After', async () => {
    let limited: Response | undefined;
    // As the Node server hands requests over: with the peer's socket.
    const fromPeer = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };
    for (let i = 0; i < 12 && !limited; i++) {
      const res = await h.app.fetch(
        new Request('http://test/api/v1/auth/device', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        fromPeer,
      );
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited?.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    // Another address still gets in.
    const other = await h.app.fetch(
      new Request('http://test/api/v1/auth/device', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      { incoming: { socket: { remoteAddress: '203.0.113.10' } } },
    );
    expect(other.status).toBe(200);
  });

  it('limits approval attempts per address, so passwords cannot be guessed at speed', async () => {
    const fromPeer = { incoming: { socket: { remoteAddress: '203.0.113.20' } } };
    const post = () =>
      h.app.fetch(
        new Request('http://test/device', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ user_code: 'BBBB-BBBB', email, password: 'guess' }).toString(),
        }),
        fromPeer,
      );
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post()).status);
    // Without the page's CSRF cookie each attempt is refused, but still counted.
    expect(new Set(statuses)).toEqual(new Set([403]));
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
