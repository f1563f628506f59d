/**
 * The browser login as API credentials, for the portal: a request without `Authorization` that carries the
 * `border0_login` cookie acts as that person in their organization, with their member role's rights. Never
 * for a cross-site request (the browser's `Sec-Fetch-Site`, and `Origin` when sent, must name this origin),
 * and every change (anything but GET and HEAD) must repeat the `border0_csrf` cookie in `X-CSRF-Token`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { type Role, rightsOf } from '../platform/auth/roles.js';
import type { Database } from '../platform/db/schema.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { ApiError, forbidden } from '../platform/http/problem.js';
import { CSRF_HEADER, csrfMatches, loginCookie } from './browser-cookies.js';
import { findLoginSession } from './login-session-store.js';

/** Whether the request is one for cookie authentication: no bearer token, and the login cookie is there. */
export const usesLoginCookie = (c: Context) =>
  c.req.header('authorization') === undefined && loginCookie(c) !== undefined;

/** A request a page of this origin made: not another site's form, link, image or script. */
export function isSameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) return false;
  // A browser that sends neither is not one the portal supports: refuse rather than guess.
  return site !== undefined || origin !== undefined;
}

export function authenticateLoginCookie(db: Kysely<Database>): MiddlewareHandler<AppEnv> {
  return async function authenticateBrowserLogin(c, next) {
    if (!isSameOrigin(c)) {
      throw forbidden('the browser login is accepted only from pages of this origin');
    }
    const login = await findLoginSession(db, loginCookie(c));
    if (!login) throw new ApiError('unauthenticated', 'the browser login ended: log in again');
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && !csrfMatches(c, c.req.header(CSRF_HEADER))) {
      throw forbidden('the X-CSRF-Token header must repeat the border0_csrf cookie');
    }
    const principal = await principalOfLogin(db, login.userId, login.email, login.id);
    if (!principal) throw forbidden('this login belongs to no organization');
    c.set('principal', principal);
    await next();
  };
}

/** The person in their first organization (the oldest membership), with that member role's rights. */
async function principalOfLogin(
  db: Kysely<Database>,
  userId: string,
  email: string,
  loginId: string,
): Promise<Principal | undefined> {
  const membership = await db
    .selectFrom('memberships')
    .select(['org_id', 'role'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('org_id')
    .executeTakeFirst();
  if (!membership) return undefined;
  const role = membership.role as Role;
  return {
    orgId: membership.org_id,
    role,
    rights: rightsOf(role),
    // Scopes idempotency keys to this login; no token row stands behind it.
    tokenId: `login:${loginId}`,
    kind: 'admin',
    userId,
    serviceAccountId: null,
    connectorId: null,
    actor: `user:${email}`,
  };
}
