/**
 * The cookies of the browser login on the API's host: the login itself (`border0_login`: HttpOnly,
 * SameSite=Lax so that a link back from an HTTP socket still carries it, Secure over https, Path=/), the
 * awaited second factor (`border0_login_pending`), and the CSRF double-submit cookie (`border0_csrf`,
 * SameSite=Strict) whose value every cookie-authenticated change must repeat in a form field or header.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const LOGIN_COOKIE = 'border0_login';
export const PENDING_COOKIE = 'border0_login_pending';
export const CSRF_COOKIE = 'border0_csrf';
/** The header a script repeats the CSRF cookie in, for `POST /api/v1/me/logout-everywhere`. */
export const CSRF_HEADER = 'x-csrf-token';

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';

export function setLoginCookie(c: Context, token: string, expiresAt: Date): void {
  setCookie(c, LOGIN_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function setPendingCookie(c: Context, token: string, expiresAt: Date): void {
  setCookie(c, PENDING_COOKIE, token, {
    path: '/login',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearLoginCookies(c: Context): void {
  deleteCookie(c, LOGIN_COOKIE, { path: '/', secure: isHttps(c) });
  deleteCookie(c, PENDING_COOKIE, { path: '/login', secure: isHttps(c) });
}

export const loginCookie = (c: Context) => getCookie(c, LOGIN_COOKIE);
export const pendingCookie = (c: Context) => getCookie(c, PENDING_COOKIE);

/** The CSRF token for a form: the browser's current one, or a new one set as its cookie. */
export function csrfToken(c: Context): string {
  const current = getCookie(c, CSRF_COOKIE);
  if (current && /^[A-Za-z0-9_-]{43}$/.test(current)) return current;
  const token = randomBytes(32).toString('base64url');
  setCookie(c, CSRF_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
  });
  return token;
}

/** Whether `presented` (a form field or header) repeats the CSRF cookie, compared in constant time. */
export function csrfMatches(c: Context, presented: string | undefined): boolean {
  const a = Buffer.from(presented ?? '');
  const b = Buffer.from(getCookie(c, CSRF_COOKIE) ?? '');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
