/**
 * A browser's way in to an HTTP socket: without a valid session it is sent to the control plane's login page
 * with the full URL it asked for; after the login the control plane sends it back to
 * `<socket origin>/.border0/callback?code=…&return_to=<path>`, where the proxy exchanges the one-time code for
 * a web session, keeps it in its own cookie (host-only, HttpOnly, SameSite=Lax, Secure over HTTPS) and
 * redirects to the path asked for, on this host only.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { HttpCredential } from './http-identity.js';

export const SESSION_COOKIE = 'border0_session';
export const CALLBACK_PATH = '/.border0/callback';

/** The credential a request carries: a bearer token first (scripts), else the proxy's cookie. */
export function requestCredential(headers: IncomingHttpHeaders): HttpCredential | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return { bearer_token: match[1]! };
  }
  const session = sessionCookie(headers.cookie);
  return session ? { web_session_token: session } : undefined;
}

export function sessionCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) {
      const value = part.slice(at + 1).trim();
      if (value) return value;
    }
  }
  return undefined;
}

/** A browser navigating (it would show a login page); anything else is answered 401. */
export function isBrowserNavigation(request: IncomingMessage): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    /\btext\/html\b/.test(String(request.headers.accept ?? ''))
  );
}

/** `<login page>?return_to=<the full URL asked for>`. */
export function loginRedirect(loginPage: string, requestedUrl: string): string {
  const url = new URL(loginPage);
  url.searchParams.set('return_to', requestedUrl);
  return url.toString();
}

/**
 * Where to go after the callback: a path on this host only. Anything that a browser could read as another
 * origin (`//evil`, `/\evil`, a scheme, control characters) becomes `/`.
 */
export function safeReturnPath(returnTo: string | null | undefined): string {
  if (!returnTo?.startsWith('/') || returnTo.startsWith('//')) return '/';
  // Browsers drop tabs and newlines in URLs and treat backslashes as slashes: refuse them all.
  for (const char of returnTo) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || char === '\\') return '/';
  }
  const resolved = new URL(returnTo, 'http://callback.invalid');
  if (resolved.host !== 'callback.invalid') return '/';
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

export function sessionCookieHeader(token: string, expiresAt: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return [
    `${SESSION_COOKIE}=`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    'Max-Age=0',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
