/**
 * TOTP second factors: enrolment through the API (password, confirmation by a first code), the browser
 * login's second step, and refusals: wrong codes, a code used twice, too many wrong codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { apiCalls } from '../../test/support/api-calls.js';
import { Browser, callbackOf } from '../../test/support/browser.js';
import { personToken } from '../../test/support/person-token.js';
import { acceptTotp, totpCode } from './totp.js';

const PASSWORD = 'a long and good password';
/** The next step's code: the current step's was spent confirming the enrolment. */
const nextCode = (secret: string) => totpCode(secret, Date.now() + 30_000);

describe('TOTP (pglite)', () => {
  let h: Harness;
  const returnTo = 'http://web-acme.localhost/';
  const { read, owner } = apiCalls(() => h);
  const browser = () => new Browser((r) => h.app.fetch(r));

  /** A person with a password and a token of theirs, enrolled with TOTP: their secret. */
  async function enrolled(name: string) {
    const orgId = (await read(owner('/organizations/current'))).id;
    const email = `${name}@acme.dev`;
    const token = await personToken(h.services.db, orgId, email, 'client');
    await read(owner(`/members/${email}/password`, { method: 'PUT', json: { password: PASSWORD } }), 204);
    const as = (path: string, method: string, json?: unknown) => owner(path, { method, token, json });
    expect((await as('/me/totp', 'POST', { password: 'wrong' })).status).toBe(403);
    const started = await read(as('/me/totp', 'POST', { password: PASSWORD }), 201);
    expect(started.otpauth_url).toMatch(/^otpauth:\/\/totp\/Border0:.*secret=/);
    const secret: string = started.secret;
    expect((await read(as('/me/totp/confirm', 'POST', { code: '000000' }), 403)).detail).toMatch(/wrong/);
    const confirmedWith = totpCode(secret);
    await read(as('/me/totp/confirm', 'POST', { code: confirmedWith }), 204);
    expect((await as('/me/totp', 'POST', { password: PASSWORD })).status).toBe(409);
    const stored = await h.services.db.selectFrom('user_totp').select('secret_sealed').execute();
    expect(stored.map((r) => r.secret_sealed).join()).not.toContain(secret);
    return { email, token, secret, as, confirmedWith };
  }

  beforeAll(async () => {
    h = await createHarness('pglite');
    const json = {
      name: 'web',
      socket_type: 'http',
      upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
    };
    await read(owner('/sockets', { method: 'POST', json }), 201);
  });
  afterAll(() => h?.close());

  it('accepts a code of the step before, now and after, and only later steps than the last one used', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(acceptTotp(secret, totpCode(secret, now), null, now)).toBe(step);
    expect(acceptTotp(secret, totpCode(secret, now - 30_000), null, now)).toBe(step - 1);
    expect(acceptTotp(secret, totpCode(secret, now + 30_000), null, now)).toBe(step + 1);
    expect(acceptTotp(secret, totpCode(secret, now - 60_000), null, now)).toBeUndefined();
    expect(acceptTotp(secret, totpCode(secret, now), step, now)).toBeUndefined();
    expect(acceptTotp(secret, totpCode(secret, now), step - 1, now)).toBe(step);
    expect(acceptTotp(secret, '12345', null, now)).toBeUndefined();
  });

  it('asks for a code after the password, and refuses a wrong one, then logs in with the right one', async () => {
    const { email, secret, confirmedWith } = await enrolled('tom');
    const b = browser();
    const first = await b.logIn(email, PASSWORD, returnTo);
    expect(first.res.status).toBe(200);
    expect(first.html).toContain('name="code"');
    expect(b.cookies.has('border0_login')).toBe(false);
    expect(b.cookies.has('border0_login_pending')).toBe(true);
    const wrong = await b.post('/login/totp', { code: '000000', return_to: returnTo });
    expect(wrong.res.status).toBe(400);
    expect(wrong.html).toContain('wrong or was already used');
    // The code that confirmed the enrolment is spent.
    expect((await b.post('/login/totp', { code: confirmedWith, return_to: returnTo })).res.status).toBe(400);
    const forged = await b.post('/login/totp', { code: nextCode(secret), return_to: returnTo, csrf: 'x' });
    expect(forged.res.status).toBe(403);
    const right = await b.post('/login/totp', { code: nextCode(secret), return_to: returnTo });
    expect(callbackOf(right.res).origin).toBe('http://web-acme.localhost');
    expect(b.cookies.has('border0_login')).toBe(true);
    expect(b.cookies.has('border0_login_pending')).toBe(false);
  });

  it('never accepts the same code twice', async () => {
    const { email, secret } = await enrolled('uma');
    const code = nextCode(secret);
    const one = browser();
    await one.logIn(email, PASSWORD, returnTo);
    expect((await one.post('/login/totp', { code, return_to: returnTo })).res.status).toBe(303);
    const two = browser();
    await two.logIn(email, PASSWORD, returnTo);
    const replay = await two.post('/login/totp', { code, return_to: returnTo });
    expect(replay.res.status).toBe(400);
    expect(two.cookies.has('border0_login')).toBe(false);
  });

  it('ends the login after five wrong codes', async () => {
    const { email, secret } = await enrolled('val');
    const b = browser();
    await b.logIn(email, PASSWORD, returnTo);
    for (let i = 0; i < 4; i++)
      expect((await b.post('/login/totp', { code: '000000' })).res.status).toBe(400);
    const last = await b.post('/login/totp', { code: '000000' });
    expect(last.html).toContain('Too many wrong codes');
    const late = await b.post('/login/totp', { code: nextCode(secret) });
    expect(late.html).toContain('Start again');
    expect(b.cookies.has('border0_login')).toBe(false);
  });

  it('removes the second factor with the password', async () => {
    const { email, as } = await enrolled('wes');
    expect((await as('/me/totp', 'DELETE', { password: 'wrong' })).status).toBe(403);
    await read(as('/me/totp', 'DELETE', { password: PASSWORD }), 204);
    expect((await as('/me/totp', 'DELETE', { password: PASSWORD })).status).toBe(404);
    const b = browser();
    expect((await b.logIn(email, PASSWORD, returnTo)).res.status).toBe(303);
  });

  it('takes a person’s token only', async () => {
    const res = await owner('/me/totp/confirm', {
      method: 'POST',
      json: { code: '123456' },
      token: h.proxyToken,
    });
    expect(res.status).toBe(403);
    expect((await owner('/me/totp/confirm', { method: 'POST', json: { code: '12' } })).status).toBe(400);
  });
});
