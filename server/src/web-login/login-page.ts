/**
 * The browser login: `GET /login?return_to=<url>` shows email and password (and the organization's identity
 * providers, or with `?org=<name>` that organization's), `POST /login` checks them (rate limited per client address and per account, CSRF
 * double-submit), asks for a TOTP code when the account has one (`POST /login/totp`), then sets the
 * `border0_login` cookie. With a login, a `return_to` that is an HTTP socket of one of the person's
 * organizations is answered with a redirect (303) to the socket's `/.border0/callback` with a one-time code;
 * any other `return_to` shows the logged-in page. `POST /logout` ends this browser's login (or, with
 * `everywhere`, every login of the account).
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { findOrganizationByRef } from '../organizations/organization-store.js';
import type { AppEnv } from '../platform/http/env.js';
import { errorLine, escapeHtml, page, securityHeaders } from '../platform/http/html-page.js';
import { clientIp } from '../platform/http/mutation.js';
import { RateLimiter } from '../platform/http/rate-limit.js';
import type { Services } from '../services.js';
import { accountsOpenedBy, isMember } from './account-login-store.js';
import {
  clearLoginCookies,
  csrfMatches,
  csrfToken,
  loginCookie,
  pendingCookie,
  setLoginCookie,
  setPendingCookie,
} from './browser-cookies.js';
import {
  activateLoginSession,
  countTotpFailure,
  findLoginSession,
  type LoginSession,
  revokeEveryLoginOf,
  revokeLoginSession,
  startLoginSession,
} from './login-session-store.js';
import { portalReturn } from './portal-routes.js';
import { callbackUrl, type ReturnTarget, returnTarget } from './return-to.js';
import { hasTotp, useTotpCode } from './totp-store.js';
import { issueWebLoginCode } from './web-session-store.js';

/** Login attempts (each checks a password or a code) per client address, and per account, per minute. */
export const ATTEMPTS_PER_ADDRESS_PER_MINUTE = 20;
export const ATTEMPTS_PER_ACCOUNT_PER_MINUTE = 10;

/** A sign-in button of an identity provider (identity-providers/). */
export interface LoginOption {
  label: string;
  href: string;
}

export interface LoginPageOptions {
  /** The organization's identity providers to offer for a `return_to` of that organization. */
  loginOptions?: (orgId: string, returnTo: string) => Promise<LoginOption[]>;
}

const BAD_CREDENTIALS = 'The email or password is wrong.';

function loginForm(csrf: string, returnTo: string, email: string, options: LoginOption[], error?: string) {
  const buttons = options
    .map((o) => `<p><a href="${escapeHtml(o.href)}">Log in with ${escapeHtml(o.label)}</a></p>`)
    .join('\n');
  return page(
    'Log in',
    `${errorLine(error)}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<label for="email">Email</label><input id="email" name="email" type="email" value="${escapeHtml(email)}" required autocomplete="username" maxlength="254">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password" maxlength="256">
<button type="submit">Log in</button>
</form>
${buttons}`,
  );
}

function totpForm(csrf: string, returnTo: string, error?: string) {
  return page(
    'Second factor',
    `${errorLine(error)}
<p>Enter the code your authenticator app shows.</p>
<form method="post" action="/login/totp">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" required autocomplete="one-time-code" maxlength="6">
<button type="submit">Continue</button>
</form>`,
  );
}

function loggedInPage(csrf: string, email: string, note?: string) {
  return page(
    'Logged in',
    `${note ? `<p class="note" role="status">${escapeHtml(note)}</p>` : ''}
<p>You are logged in as <strong>${escapeHtml(email)}</strong>.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<button type="submit">Log out</button>
<button type="submit" name="everywhere" value="1">Log out everywhere</button>
</form>`,
  );
}

type Fields = Record<string, unknown>;
const field = (fields: Fields, name: string, max: number) => {
  const value = fields[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

/**
 * Logged in (by password, second factor or identity provider): on to the socket with a code, or the
 * logged-in page when `return_to` is not one of its.
 */
export function loginContinuation(services: Services) {
  const { db, baseDomain } = services;
  return async (c: Context<AppEnv>, login: LoginSession, returnTo: string) => {
    const target = await returnTarget(db, baseDomain, returnTo);
    if (target && (await isMember(db, target.orgId, login.userId))) {
      const code = await issueWebLoginCode(db, {
        loginSessionId: login.id,
        orgId: target.orgId,
        host: target.host,
      });
      return c.redirect(callbackUrl(target, code), 303);
    }
    // The portal on this host (portal-routes.ts sends a visitor without a login here).
    const portalPage = portalReturn(c.req.url, returnTo);
    if (portalPage !== undefined) return c.redirect(portalPage, 303);
    const note = returnTo
      ? 'The address you came from is not an HTTP socket of an organization you belong to: you stay here.'
      : undefined;
    return c.html(loggedInPage(csrfToken(c), login.email, note), 200, securityHeaders());
  };
}

export function loginPageRoutes(services: Services, options: LoginPageOptions = {}) {
  const app = new Hono<AppEnv>();
  const { db, baseDomain } = services;
  const byAddress = new RateLimiter(ATTEMPTS_PER_ADDRESS_PER_MINUTE, 60_000);
  const byAccount = new RateLimiter(ATTEMPTS_PER_ACCOUNT_PER_MINUTE, 60_000);
  const formLimit = bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('the form is too large', 413) });

  const headersFor = (target: ReturnTarget | undefined) => securityHeaders(target ? [target.origin] : []);
  const slowDown = (c: Context<AppEnv>, seconds: number, target?: ReturnTarget) =>
    c.html(page('Slow down', `<p>Too many attempts. Try again in ${seconds} seconds.</p>`), 429, {
      ...headersFor(target),
      'retry-after': String(seconds),
    });
  const addressBudget = (c: Context<AppEnv>) => {
    const address = clientIp(c);
    return address === null ? 0 : byAddress.take(address);
  };

  const showForm = async (
    c: Context<AppEnv>,
    returnTo: string,
    target: ReturnTarget | undefined,
    status: 200 | 400 | 403,
    email = '',
    error?: string,
    /** Whose identity providers to offer when `return_to` is no socket (`?org=`). */
    orgId?: string,
  ) => {
    const offeredBy = target?.orgId ?? orgId;
    const offered = offeredBy && options.loginOptions ? await options.loginOptions(offeredBy, returnTo) : [];
    return c.html(loginForm(csrfToken(c), returnTo, email, offered, error), status, headersFor(target));
  };

  const continueLogin = loginContinuation(services);

  app.get('/login', async (c) => {
    const returnTo = (c.req.query('return_to') ?? '').slice(0, 2048);
    const login = await findLoginSession(db, loginCookie(c));
    if (login) return continueLogin(c, login, returnTo);
    const org = c.req.query('org');
    const named = org && org.length <= 63 ? await findOrganizationByRef(db, org) : undefined;
    return showForm(c, returnTo, await returnTarget(db, baseDomain, returnTo), 200, '', undefined, named?.id);
  });

  app.post('/login', formLimit, async (c) => {
    const fields: Fields = await c.req.parseBody().catch(() => ({}));
    const returnTo = field(fields, 'return_to', 2048);
    const email = field(fields, 'email', 254).trim().toLowerCase();
    const target = await returnTarget(db, baseDomain, returnTo);
    const wait = addressBudget(c);
    if (wait > 0) return slowDown(c, wait, target);
    if (!csrfMatches(c, field(fields, 'csrf', 100))) {
      return showForm(
        c,
        returnTo,
        target,
        403,
        email,
        'The form expired or did not come from this page. Try again.',
      );
    }
    const accountWait = byAccount.take(email);
    if (accountWait > 0) return slowDown(c, accountWait, target);
    const accounts = await accountsOpenedBy(db, email, field(fields, 'password', 256));
    if (accounts.length === 0) return showForm(c, returnTo, target, 400, email, BAD_CREDENTIALS);
    // Of several accounts the password opens, the one that belongs to the socket's organization.
    let account = accounts[0]!;
    if (target) {
      for (const candidate of accounts) {
        if (await isMember(db, target.orgId, candidate.id)) {
          account = candidate;
          break;
        }
      }
    }
    if (await hasTotp(db, account.id)) {
      const pending = await startLoginSession(db, { userId: account.id, ip: clientIp(c), stage: 'totp' });
      setPendingCookie(c, pending.token, pending.expiresAt);
      return c.html(totpForm(csrfToken(c), returnTo), 200, headersFor(target));
    }
    const started = await startLoginSession(db, { userId: account.id, ip: clientIp(c), stage: 'active' });
    setLoginCookie(c, started.token, started.expiresAt);
    c.get('logger').info({ user_id: account.id }, 'browser login');
    return continueLogin(
      c,
      { id: started.id, userId: account.id, email: account.email, expiresAt: started.expiresAt },
      returnTo,
    );
  });

  app.post('/login/totp', formLimit, async (c) => {
    const fields: Fields = await c.req.parseBody().catch(() => ({}));
    const returnTo = field(fields, 'return_to', 2048);
    const target = await returnTarget(db, baseDomain, returnTo);
    const wait = addressBudget(c);
    if (wait > 0) return slowDown(c, wait, target);
    const pending = await findLoginSession(db, pendingCookie(c), 'totp');
    if (!pending) return showForm(c, returnTo, target, 400, '', 'The login took too long. Start again.');
    if (!csrfMatches(c, field(fields, 'csrf', 100))) {
      return c.html(
        totpForm(csrfToken(c), returnTo, 'The form expired or did not come from this page. Try again.'),
        403,
        headersFor(target),
      );
    }
    const accountWait = byAccount.take(pending.email);
    if (accountWait > 0) return slowDown(c, accountWait, target);
    if (!(await useTotpCode(db, services.secrets, pending.userId, field(fields, 'code', 12)))) {
      if (!(await countTotpFailure(db, pending.id))) {
        clearLoginCookies(c);
        return showForm(c, returnTo, target, 400, pending.email, 'Too many wrong codes. Start again.');
      }
      return c.html(
        totpForm(csrfToken(c), returnTo, 'The code is wrong or was already used.'),
        400,
        headersFor(target),
      );
    }
    const active = await activateLoginSession(db, pending.id);
    if (!active)
      return showForm(c, returnTo, target, 400, pending.email, 'The login took too long. Start again.');
    clearLoginCookies(c);
    setLoginCookie(c, active.token, active.expiresAt);
    c.get('logger').info({ user_id: pending.userId }, 'browser login with a second factor');
    return continueLogin(c, { ...pending, expiresAt: active.expiresAt }, returnTo);
  });

  app.post('/logout', formLimit, async (c) => {
    const fields: Fields = await c.req.parseBody().catch(() => ({}));
    if (!csrfMatches(c, field(fields, 'csrf', 100))) {
      return c.html(
        page('Log out', '<p class="error">The form expired or did not come from this page.</p>'),
        403,
        securityHeaders(),
      );
    }
    const login = await findLoginSession(db, loginCookie(c));
    if (login) {
      if (field(fields, 'everywhere', 1) === '1') {
        await db.transaction().execute((trx) => revokeEveryLoginOf(trx, login.userId));
      } else {
        await revokeLoginSession(db, login.id);
      }
    }
    clearLoginCookies(c);
    return c.html(
      page('Logged out', '<p>You are logged out. <a href="/login">Log in again</a></p>'),
      200,
      securityHeaders(),
    );
  });

  return app;
}
