/**
 * The page where a person approves a device login: `GET /device` shows a form (user code, email,
 * password), `POST /device` checks it and approves. A browser logged in on the login page (`border0_login`)
 * approves without the password again. Server-rendered, no external assets, a strict CSP, and
 * a double-submit CSRF token (a hidden field equal to a SameSite=Strict cookie).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../platform/http/env.js';
import { errorLine, escapeHtml, page, SECURITY_HEADERS } from '../platform/http/html-page.js';
import { clientIp } from '../platform/http/mutation.js';
import { RateLimiter } from '../platform/http/rate-limit.js';
import type { Services } from '../services.js';
import { loginCookie } from '../web-login/browser-cookies.js';
import { findLoginSession } from '../web-login/login-session-store.js';
import { decideDeviceLogin, decideDeviceLoginAs } from './device-login-store.js';

/** Approval attempts per client address and minute (each checks a password). */
const APPROVALS_PER_MINUTE = 20;
const CSRF_COOKIE = 'border0_device_csrf';

function form(csrf: string, userCode: string, email: string, error?: string, loggedInAs?: string): string {
  // Logged in in this browser (`border0_login`): the login vouches for the person, no password is asked.
  const credentials = loggedInAs
    ? `<p>Approve as <strong>${escapeHtml(loggedInAs)}</strong> (logged in in this browser).</p>`
    : `<label for="email">Email</label><input id="email" name="email" type="email" value="${escapeHtml(email)}" required autocomplete="username" maxlength="254">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password" maxlength="256">`;
  return page(
    'Log in a device',
    `${errorLine(error)}
<p>Approve the login that <code>border0 client login</code> started: check that the code matches the one it shows.</p>
<form method="post" action="/device">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label for="user_code">Code</label><input id="user_code" name="user_code" value="${escapeHtml(userCode)}" required autocomplete="off" maxlength="20">
${credentials}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function devicePageRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  const withCsrf = (c: Context<AppEnv>) => {
    const csrf = randomBytes(32).toString('base64url');
    setCookie(c, CSRF_COOKIE, csrf, {
      path: '/device',
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: 900,
    });
    return csrf;
  };

  const browserLogin = (c: Context<AppEnv>) => findLoginSession(services.db, loginCookie(c));

  app.get('/device', async (c) => {
    const csrf = withCsrf(c);
    const userCode = (c.req.query('user_code') ?? '').slice(0, 20);
    const login = await browserLogin(c);
    return c.html(form(csrf, userCode, '', undefined, login?.email), 200, SECURITY_HEADERS);
  });

  // Each attempt checks a password: a budget per address keeps guessing slow.
  const attempts = new RateLimiter(APPROVALS_PER_MINUTE, 60_000);
  app.post(
    '/device',
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('the form is too large', 413) }),
    async (c) => {
      const address = clientIp(c);
      const retryAfter = address === null ? 0 : attempts.take(address);
      if (retryAfter > 0) {
        const wait = `<p>Too many attempts from this address. Try again in ${retryAfter} seconds.</p>`;
        return c.html(page('Slow down', wait), 429, {
          ...SECURITY_HEADERS,
          'retry-after': String(retryAfter),
        });
      }
      const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (name: string) => {
        const value = fields[name];
        return typeof value === 'string' ? value : '';
      };
      const userCode = field('user_code').slice(0, 20);
      const email = field('email').slice(0, 254);
      // Without email and password, the browser's login (if any) is the person's proof.
      const login = email === '' && field('password') === '' ? await browserLogin(c) : undefined;
      const again = (status: 400 | 403, error: string) =>
        c.html(form(withCsrf(c), userCode, email, error, login?.email), status, SECURITY_HEADERS);

      if (!sameSecret(field('csrf'), getCookie(c, CSRF_COOKIE) ?? '')) {
        return again(403, 'The form expired or did not come from this page. Try again.');
      }
      const approve = field('decision') !== 'deny';
      const result = login
        ? await decideDeviceLoginAs(services.db, { userCode, userId: login.userId, approve, ip: clientIp(c) })
        : await decideDeviceLogin(services.db, {
            userCode,
            email,
            password: field('password').slice(0, 256),
            approve,
            ip: clientIp(c),
          });
      if (!result.ok) return again(400, result.message);
      const done =
        field('decision') === 'deny'
          ? `<p>The login was denied. You can close this window.</p>`
          : `<p>Logged in to <strong>${escapeHtml(result.organization)}</strong> as ${escapeHtml(result.email)}. You can close this window.</p>`;
      return c.html(page('Done', done), 200, SECURITY_HEADERS);
    },
  );

  return app;
}
