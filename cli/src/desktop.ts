/**
 * `border0 desktop`: the person's sockets in an app window. It logs in through the device flow when there is
 * no login yet, serves a small page on loopback (the sockets the API says the person may use now), and
 * connects with one click: a local listener for a TLS or database socket (the same listener as `border0
 * client tls|db --listen`) with the client command to use it, the portal's terminal for an SSH socket, the
 * address of an HTTP socket. The window is `chromium --app=<page>` when Chromium is there, else the default
 * browser; `--no-open` only prints the page's address.
 *
 * The page is this machine's only: loopback, a Host header naming this listener (no DNS rebinding), a key in
 * the first address that becomes a SameSite=Strict cookie, and changes only with a header no form can send.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { delimiter, join } from 'node:path';
import type { Border0Client } from '@border0/sdk';
import type { Command } from 'commander';
import { clientCredentials } from './client-certificate.js';
import { deviceLogin, openBrowser } from './client-login.js';
import { listenThroughProxy, openThroughProxy } from './client-tls.js';
import { withOrganization } from './config.js';
import { Context, type GlobalOptions } from './context.js';
import { storedLogin } from './login-session.js';
import { parseHostPort, proxyTargets, reachableProxy } from './proxy-discovery.js';
import { visible } from './terminal-text.js';

const COOKIE = 'border0_desktop';
const CHANGE_HEADER = 'x-border0-desktop';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

type MySocket = Awaited<ReturnType<typeof mySockets>>[number];
const mySockets = async (client: Border0Client) => (await client.get('/api/v1/me/sockets')).items;

interface Connection {
  address: string;
  command: string;
  server?: { close(): void };
}

/** The first Chromium on PATH (or Debian's), for an app window. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

/** What to run once the listener is up, per protocol. */
function clientCommand(
  socket: MySocket,
  upstream: { protocol?: string; username?: string; database?: string },
  host: string,
  port: number,
) {
  if (socket.socket_type !== 'database') return `nc ${host} ${port}`;
  const user = upstream.username ?? 'border0';
  const db = upstream.database;
  return upstream.protocol === 'mysql'
    ? `mysql -h ${host} -P ${port} -u ${user}${db ? ` ${db}` : ''}`
    : `psql "host=${host} port=${port} user=${user}${db ? ` dbname=${db}` : ''}"`;
}

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function cookieOf(request: IncomingMessage): string {
  for (const part of String(request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return '';
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Border0</title><link rel="stylesheet" href="/app.css"><script type="module" src="/app.js"></script></head>
<body><header><strong>Border0</strong> <span id="who"></span></header>
<main><h1>My sockets</h1><p id="status" role="status">Loading…</p><ul id="sockets" class="cards"></ul></main></body></html>`;

const STYLE = `body{font:15px system-ui,sans-serif;margin:0;color:#1b1f24}header{padding:12px 20px;background:#14213d;color:#fff}
main{padding:8px 20px}.cards{list-style:none;padding:0;display:grid;gap:12px;grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
.card{border:1px solid #ccd;border-radius:6px;padding:12px}.badge{font-size:12px;background:#e8ecf4;border-radius:3px;padding:1px 6px}
pre{background:#f4f5f7;padding:6px;overflow-x:auto}button{padding:6px 14px}`;

/** The page's script: builds every element with textContent, so nothing a socket's fields hold is markup. */
const SCRIPT = `
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
const status = document.getElementById('status');
async function call(method, path) {
  const res = await fetch(path, { method, headers: { '${CHANGE_HEADER}': '1' } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
function show(card, result) {
  card.querySelector('.result')?.remove();
  const box = el('div', '', 'result');
  if (result.address) box.append(el('p', 'Listening on ' + result.address, 'address'));
  if (result.command) { const pre = el('pre'); pre.append(el('code', result.command)); box.append(el('p', 'Connect with:'), pre); }
  if (result.open) { const a = el('a', result.open); a.href = result.open; a.target = '_blank'; a.rel = 'noopener'; box.append(a); }
  card.append(box);
}
async function load() {
  const { email, sockets } = await call('GET', '/api/sockets');
  document.getElementById('who').textContent = email;
  const list = document.getElementById('sockets');
  list.replaceChildren();
  status.textContent = sockets.length ? '' : 'No socket is open to you now.';
  for (const s of sockets) {
    const card = el('li', '', 'card');
    const h = el('h2', s.display_name || s.name); h.append(' ', el('span', s.socket_type, 'badge'));
    card.append(h, el('p', s.dnsname));
    const button = el('button', s.socket_type === 'ssh' ? 'Open a terminal' : s.socket_type === 'http' ? 'Open' : 'Connect');
    button.setAttribute('aria-label', button.textContent + ' ' + s.name);
    button.onclick = async () => {
      button.disabled = true;
      try {
        const result = await call('POST', '/api/connect/' + encodeURIComponent(s.name));
        show(card, result);
        if (result.open && s.socket_type !== 'tls' && s.socket_type !== 'database') window.open(result.open, '_blank', 'noopener');
      } catch (error) { show(card, { command: String(error.message) }); }
      finally { button.disabled = false; }
    };
    card.append(button);
    if (s.connection) show(card, s.connection);
    list.append(card);
  }
}
load().catch((error) => { status.textContent = 'Could not load your sockets: ' + error.message; });
`;

export interface DesktopOptions {
  listen?: string;
  open: boolean;
  browser?: string;
}

export async function runDesktop(ctx: Context, options: DesktopOptions): Promise<void> {
  const client = ctx.client();
  const org = await client.get('/api/v1/organizations/{organization}', {
    params: { path: { organization: 'current' } },
  });
  const stored = ctx.settings.organization
    ? ctx.readConfig().organizations?.[ctx.settings.organization]
    : undefined;
  const email = stored?.email ?? '';
  const key = randomBytes(24).toString('base64url');
  const connections = new Map<string, Connection>();
  const credentials = () => clientCredentials(client, ctx.configDir, org.name, ctx.identity());
  let proxy: Promise<{ host: string; port: number }> | undefined;

  async function connect(name: string): Promise<Record<string, string>> {
    const existing = connections.get(name);
    if (existing) return { address: existing.address, command: existing.command };
    const socket = (await mySockets(client)).find((s) => s.name === name);
    if (!socket) throw new Error(`${name} is not open to you now`);
    if (socket.socket_type === 'ssh') {
      return { open: new URL(`/terminal/${socket.name}`, ctx.settings.apiUrl).toString() };
    }
    if (socket.socket_type === 'http') return { open: socket.connect.url ?? `https://${socket.dnsname}/` };
    const full = await client.get('/api/v1/sockets/{socket}', { params: { path: { socket: socket.id } } });
    proxy ??= proxyTargets(client, undefined).then(reachableProxy);
    const target = await proxy;
    const server = await listenThroughProxy({ host: '127.0.0.1', port: 0 }, () =>
      credentials().then((current) => openThroughProxy(target, socket.dnsname, current)),
    );
    const { address: host, port } = server.address() as { address: string; port: number };
    const connection = {
      address: `${host}:${port}`,
      command: clientCommand(socket, full.upstream_configuration as never, host, port),
      server,
    };
    connections.set(name, connection);
    return { address: connection.address, command: connection.command };
  }

  const send = (response: ServerResponse, status: number, type: string, body: string, extra = {}) => {
    response.writeHead(status, {
      'content-type': type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      ...extra,
    });
    response.end(body);
  };
  const json = (response: ServerResponse, status: number, body: unknown) =>
    send(response, status, 'application/json', JSON.stringify(body));

  let port = 0;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://desktop.invalid');
    const host = String(request.headers.host ?? '');
    // Only this listener's own names: a page of another site rebinding a name to 127.0.0.1 gets nothing.
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(response, 421, 'text/plain', 'misdirected');
    if (request.method === 'GET' && url.pathname === '/' && url.searchParams.has('key')) {
      if (!sameSecret(url.searchParams.get('key') ?? '', key))
        return send(response, 403, 'text/plain', 'wrong key');
      return send(response, 303, 'text/plain', '', {
        location: '/',
        'set-cookie': `${COOKIE}=${key}; Path=/; HttpOnly; SameSite=Strict`,
      });
    }
    if (!sameSecret(cookieOf(request), key)) {
      return send(response, 403, 'text/plain', 'open the address border0 desktop printed');
    }
    if (request.method === 'GET' && url.pathname === '/')
      return send(response, 200, 'text/html; charset=utf-8', PAGE);
    if (request.method === 'GET' && url.pathname === '/app.js')
      return send(response, 200, 'text/javascript', SCRIPT);
    if (request.method === 'GET' && url.pathname === '/app.css')
      return send(response, 200, 'text/css', STYLE);
    if (request.headers[CHANGE_HEADER] !== '1')
      return json(response, 403, { error: `needs the ${CHANGE_HEADER} header` });
    if (request.method === 'GET' && url.pathname === '/api/sockets') {
      mySockets(client).then(
        (sockets) =>
          json(response, 200, {
            email,
            sockets: sockets.map((s) => {
              const c = connections.get(s.name);
              return { ...s, connection: c ? { address: c.address, command: c.command } : undefined };
            }),
          }),
        (error: Error) => json(response, 502, { error: error.message }),
      );
      return;
    }
    const target = url.pathname.match(/^\/api\/connect\/([a-z0-9-]{1,63})$/);
    if (request.method === 'POST' && target) {
      connect(target[1]!).then(
        (result) => json(response, 200, result),
        (error: Error) => json(response, 400, { error: error.message }),
      );
      return;
    }
    json(response, 404, { error: 'not found' });
  });
  const listen = options.listen ? parseHostPort(options.listen, '--listen') : { host: '127.0.0.1', port: 0 };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const page = `http://127.0.0.1:${port}/?key=${key}`;
  console.log(`border0 desktop: ${page}`);
  const window = options.open ? openWindow(page, options.browser) : undefined;

  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  // The window shows this process's page: it goes with it.
  window?.kill();
  for (const connection of connections.values()) connection.server?.close();
  server.close();
  server.closeAllConnections();
}

/** An app window (Chromium's `--app`), else the default browser. BORDER0_DESKTOP_BROWSER_ARGS adds arguments. */
function openWindow(page: string, browser: string | undefined): ChildProcess | undefined {
  const chromium = browser ?? findChromium();
  if (!chromium) {
    openBrowser(page);
    return undefined;
  }
  const extra = (process.env.BORDER0_DESKTOP_BROWSER_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(chromium, [`--app=${page}`, '--no-first-run', ...extra], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', (error) => console.error(`border0: cannot start ${chromium}: ${visible(error.message)}`));
  child.unref();
  return child;
}

export function registerDesktopCommand(program: Command): void {
  program
    .command('desktop')
    .description('Your sockets in an app window: log in, then connect to each with one click')
    .option('--listen <host:port>', 'where to serve the window’s page (default 127.0.0.1 on a free port)')
    .option('--no-open', 'do not open a window: print the page’s address only')
    .option('--browser <path>', 'the browser for the app window (default: Chromium when present)')
    .action(async (options: DesktopOptions, command: Command) => {
      const all = command.optsWithGlobals<GlobalOptions>();
      const { org, ...flags } = all;
      // An organization with no stored login yet is one to log in to.
      let ctx =
        org && !new Context(flags).readConfig().organizations?.[org] ? new Context(flags) : new Context(all);
      if (!ctx.settings.token || (org && ctx.settings.organization !== org)) {
        // The device flow, as `border0 client login`: the page to approve it opens unless --no-open.
        const token = await deviceLogin(ctx.settings.apiUrl, org, (line) => console.log(line), options.open);
        ctx.writeConfig(
          withOrganization(
            ctx.readConfig(),
            token.organization,
            storedLogin(ctx.settings.apiUrl, token),
            true,
          ),
        );
        ctx = new Context({ ...flags, org: token.organization });
      }
      await runDesktop(ctx, options);
    });
}
