/**
 * A person's own account security: TOTP enrolment (`POST /me/totp`, confirmed by a first code with
 * `POST /me/totp/confirm`, removed with `DELETE /me/totp`), and `POST /me/logout-everywhere`, which ends every
 * browser login, the web sessions derived from them and every device login. A person's token acts on its
 * own account; logging out everywhere also takes the browser login cookie with its CSRF header.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { verifyPassword } from '../login/password.js';
import { findAccountPassword } from '../login/password-store.js';
import { errors, jsonBody, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { mutate } from '../platform/http/mutation.js';
import { ApiError, forbidden } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import {
  LoggedOut,
  TotpCode,
  TotpEnrolment,
  TotpEnrolmentRequest,
  TotpRemoval,
} from './account-security-schemas.js';
import { CSRF_HEADER, clearLoginCookies, csrfMatches, loginCookie } from './browser-cookies.js';
import { findLoginSession, revokeEveryLoginOf } from './login-session-store.js';
import { newTotpSecret, totpUrl } from './totp.js';
import { removeTotp, savePendingTotp, totpOf, useTotpCode } from './totp-store.js';

const tags = ['Members'];

/** The path that also takes the browser login cookie: the bearer middleware lets it through without a token. */
export const COOKIE_API_PATHS = new Set(['/api/v1/me/logout-everywhere']);

const startTotp = createRoute({
  method: 'post',
  path: '/me/totp',
  operationId: 'startTotpEnrolment',
  summary: 'Start enrolling a TOTP second factor',
  description:
    'With a person’s token and the account’s current password (403 when wrong). Answers the secret once; ' +
    'the second factor is in force after `POST /me/totp/confirm`. 409 when one is already confirmed.',
  tags,
  request: { body: jsonBody(TotpEnrolmentRequest, { password: 'correct horse battery staple' }) },
  responses: { 201: jsonResponse(TotpEnrolment, 'Started.'), ...errors(400, 401, 403, 409, 413, 415) },
});

const confirmTotp = createRoute({
  method: 'post',
  path: '/me/totp/confirm',
  operationId: 'confirmTotpEnrolment',
  summary: 'Confirm a TOTP enrolment with a first code',
  description:
    'From then on the browser login asks for a code. 403 for a wrong code; 409 when none is pending.',
  tags,
  request: { body: jsonBody(TotpCode, { code: '492039' }) },
  responses: { 204: { description: 'Confirmed.' }, ...errors(400, 401, 403, 409, 413, 415) },
});

const deleteTotp = createRoute({
  method: 'delete',
  path: '/me/totp',
  operationId: 'removeTotp',
  summary: 'Remove the TOTP second factor',
  description: 'With the account’s current password (403 when wrong). 404 when the account has none.',
  tags,
  request: { body: jsonBody(TotpRemoval, { password: 'correct horse battery staple' }) },
  responses: { 204: { description: 'Removed.' }, ...errors(400, 401, 403, 404, 413, 415) },
});

const logoutEverywhere = createRoute({
  method: 'post',
  path: '/me/logout-everywhere',
  operationId: 'logoutEverywhere',
  summary: 'Log out everywhere',
  description:
    'Ends every browser login of the account, every web session derived from them (HTTP sockets ask again ' +
    'within seconds), and every device login (their refresh and access tokens). With a person’s token, or ' +
    'with the `border0_login` cookie and the `border0_csrf` cookie’s value in `X-CSRF-Token`.',
  tags,
  responses: { 200: jsonResponse(LoggedOut, 'Logged out.'), ...errors(401, 403) },
});

/** The person of a person's token; a machine's token has no account of its own. */
function personOf(c: Context<AppEnv>) {
  const principal = c.get('principal');
  if (principal.kind !== 'admin' || !principal.userId) {
    throw forbidden('only a person’s token acts on its own account');
  }
  return { ...principal, userId: principal.userId };
}

export function accountSecurityRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets } = services;

  const checkPassword = async (userId: string, password: string) => {
    const account = await findAccountPassword(db, userId);
    if (!(await verifyPassword(password, account.password_hash))) throw forbidden('the password is wrong');
    return account;
  };

  app.openapi(startTotp, async (c) => {
    const person = personOf(c);
    const account = await checkPassword(person.userId, c.req.valid('json').password);
    if ((await totpOf(db, person.userId))?.confirmed_at) {
      throw new ApiError('conflict', 'a second factor is already in force: remove it first');
    }
    const secret = newTotpSecret();
    await mutate(c, services, async (trx, audit) => {
      await savePendingTotp(trx, secrets, person.userId, secret);
      await audit({
        action: 'member.totp.start',
        resource_type: 'member',
        resource_id: person.userId,
        details: { email: account.email },
      });
    });
    c.header('cache-control', 'no-store');
    return c.json(TotpEnrolment.parse({ otpauth_url: totpUrl(secret, account.email), secret }), 201);
  });

  app.openapi(confirmTotp, async (c) => {
    const person = personOf(c);
    const pending = await totpOf(db, person.userId);
    if (!pending || pending.confirmed_at !== null) {
      throw new ApiError('conflict', 'no TOTP enrolment awaits confirmation');
    }
    await mutate(c, services, async (trx, audit) => {
      if (!(await useTotpCode(trx, secrets, person.userId, c.req.valid('json').code, true))) {
        throw forbidden('the code is wrong or was already used');
      }
      await audit({
        action: 'member.totp.confirm',
        resource_type: 'member',
        resource_id: person.userId,
        details: {},
      });
    });
    return c.body(null, 204);
  });

  app.openapi(deleteTotp, async (c) => {
    const person = personOf(c);
    await checkPassword(person.userId, c.req.valid('json').password);
    await mutate(c, services, async (trx, audit) => {
      if (!(await removeTotp(trx, person.userId)))
        throw new ApiError('not_found', 'no second factor to remove');
      await audit({
        action: 'member.totp.remove',
        resource_type: 'member',
        resource_id: person.userId,
        details: {},
      });
    });
    return c.body(null, 204);
  });

  app.openapi(logoutEverywhere, async (c) => {
    if (c.get('principal')) {
      const person = personOf(c);
      const ended = await mutate(c, services, async (trx, audit) => {
        const count = await revokeEveryLoginOf(trx, person.userId);
        if (count > 0) {
          await audit({
            action: 'member.logout_everywhere',
            resource_type: 'member',
            resource_id: person.userId,
            details: { logins_ended: count },
          });
        }
        return count;
      });
      return c.json(LoggedOut.parse({ logins_ended: ended }), 200);
    }
    const login = await findLoginSession(db, loginCookie(c));
    if (!login) throw new ApiError('unauthenticated', 'send a token, or log in in the browser');
    if (!csrfMatches(c, c.req.header(CSRF_HEADER))) {
      throw forbidden('the X-CSRF-Token header must repeat the border0_csrf cookie');
    }
    const ended = await db.transaction().execute((trx) => revokeEveryLoginOf(trx, login.userId));
    c.get('logger').info({ user_id: login.userId, logins_ended: ended }, 'logged out everywhere');
    clearLoginCookies(c);
    return c.json(LoggedOut.parse({ logins_ended: ended }), 200);
  });

  return app;
}
