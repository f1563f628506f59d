/**
 * The API reference at `/api/docs`: Redoc's standalone browser bundle, installed with the server (it ships in
 * @redocly/cli, the spec's linter, pinned in the catalog) and served from this origin, so that the page renders
 * on a machine without internet. Nothing is loaded from elsewhere: the CSP allows only this origin's scripts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import { escapeHtml } from './html-page.js';

export const API_DOCS_PATH = '/api/docs';
const ASSETS = `${API_DOCS_PATH}/assets`;

/** Redoc's styles are injected `<style>` elements, its search runs in a worker made from a Blob. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

const resolve = createRequire(import.meta.url).resolve;
let bundle: string | undefined;
/** The one remote asset in the bundle, Redocly's "API docs by" logo, becomes an empty image drawn in place. */
const EMPTY_IMAGE = 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E';
/** Read once, on the first request: the file is 2 MB and most servers never serve it. */
const redocBundle = () => {
  bundle ??= readFileSync(resolve('@redocly/cli/lib/chunks/redoc.standalone.js'), 'utf8').replace(
    /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g,
    EMPTY_IMAGE,
  );
  return bundle;
};

const INIT_SCRIPT = `import { init } from './redoc.standalone.js';
const root = document.getElementById('reference');
init(root.dataset.specUrl, { disableTelemetry: true, hideLoading: false }, root);
`;

export function apiDocsRoutes(title: string) {
  const app = new Hono();
  const headers = { 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff' };
  app.get(API_DOCS_PATH, (c) =>
    c.html(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<script type="module" src="${ASSETS}/init.js"></script></head>
<body style="margin:0"><div id="reference" data-spec-url="/api/openapi.json"></div></body></html>`,
      200,
      {
        ...headers,
        'cache-control': 'no-cache',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      },
    ),
  );
  app.get(`${ASSETS}/init.js`, (c) =>
    c.body(INIT_SCRIPT, 200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get(`${ASSETS}/redoc.standalone.js`, (c) =>
    c.body(redocBundle(), 200, {
      ...headers,
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  return app;
}
