/**
 * The portal at `/`: the built React app's static files (portal/dist), and its index.html for every other
 * page path that is not the API's, the login's or the device page's. A visitor without a browser login is
 * sent to `/login?return_to=<the page>`. index.html carries this browser's CSRF token (the `border0_csrf`
 * cookie's value, which is HttpOnly) for the portal's changes; a strict CSP lets it load only this origin.
 * `'wasm-unsafe-eval'` lets the session player compile its terminal emulator (WebAssembly shipped in the
 * bundle); it allows no JavaScript eval.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../platform/http/env.js';
import type { Services } from '../services.js';
import { csrfToken, loginCookie } from './browser-cookies.js';
import { findLoginSession } from './login-session-store.js';

export const PORTAL_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * A terminal page (`/terminal/<socket>`, always loaded as a page of its own): xterm sizes its rows with a style
 * element of its own. Scripts stay this origin's only; its WebSocket is this origin's relay.
 */
export const TERMINAL_CSP = PORTAL_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Paths the portal never answers: they belong to the API and the server's own pages. */
export const NOT_PORTAL = /^\/(api|login|logout|device|healthz|readyz|metrics|\.well-known)(\/|$)/;

/** `returnTo` when it is a portal page of this origin (`req`'s), as a path to redirect to; else undefined. */
export function portalReturn(requestUrl: string, returnTo: string): string | undefined {
  if (!returnTo) return undefined;
  let url: URL;
  try {
    url = new URL(returnTo, requestUrl);
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(requestUrl).origin || url.username || url.password) return undefined;
  if (NOT_PORTAL.test(url.pathname) || url.pathname.startsWith('//')) return undefined;
  return `${url.pathname}${url.search}`;
}

export function portalRoutes(services: Services, portalDir: string) {
  const app = new Hono<AppEnv>();
  const root = resolve(portalDir);
  const headers = {
    'content-security-policy': PORTAL_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };

  app.get('/assets/*', async (c, next) => {
    const file = normalize(join(root, c.req.path));
    if (!file.startsWith(root + sep)) return next();
    const body = await readFile(file).catch(() => undefined);
    if (!body) return next();
    return c.body(body, 200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite names assets by their content's hash.
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  app.get('*', async (c: Context<AppEnv>, next) => {
    if (NOT_PORTAL.test(c.req.path) || c.req.path.startsWith('/assets/')) return next();
    const login = await findLoginSession(services.db, loginCookie(c));
    if (!login) {
      const query = new URLSearchParams({ return_to: c.req.url });
      return c.redirect(`/login?${query}`, 302);
    }
    const index = await readFile(join(root, 'index.html'), 'utf8').catch(() => undefined);
    if (index === undefined) return next();
    const meta = `<meta name="border0-csrf" content="${csrfToken(c)}">`;
    return c.html(
      index.replace(/<meta charset="utf-8">/i, (charset) => `${charset}\n${meta}`),
      200,
      {
        ...headers,
        ...(c.req.path.startsWith('/terminal/') && {
          'content-security-policy': TERMINAL_CSP,
        }),
        'cache-control': 'no-store',
      },
    );
  });
  return app;
}
