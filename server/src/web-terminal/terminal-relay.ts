/**
 * The portal's way to a terminal: a WebSocket on the API's own origin (`/api/terminal`), relayed to the proxy the
 * ticket names. Browsers then need to trust only the portal's address (the proxies' certificates come from the
 * platform CA, which browsers do not know, and a browser cancels a WebSocket whose server asks for a client
 * certificate). The relay carries bytes and nothing more: the first message must hold a ticket this server
 * signed (`POST /me/sockets/{socket}/terminal`), which names the proxy and host and the browser's address; the
 * proxy redeems it and decides, records and ends the session. The API verifies the proxy by the platform CA.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { checkProxyIdentity } from '@border0/protocol';
import WebSocket, { WebSocketServer } from 'ws';
import { platformX509Authority } from '../certificates/authority-store.js';
import { liveProxies } from '../proxies/proxy-store.js';
import type { Services } from '../services.js';
import { findSocketByDnsname } from '../sockets/socket-store.js';
import { WEB_TERMINAL_PATH } from './web-terminal-routes.js';
import { ticketTarget, verifyTerminalTicket } from './web-terminal-ticket.js';

export const TERMINAL_RELAY_PATH = '/api/terminal';
const MAX_MESSAGE_BYTES = 64 * 1024;
const HELLO_TIMEOUT_MS = 10_000;
/** Input kept while the terminal opens, and the output unsent to a browser at which the proxy is paused. */
const MAX_PENDING_BYTES = 256 * 1024;
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;

/** A page of this origin: browsers always send Origin on a WebSocket, and another site's differs. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function attachTerminalRelay(server: Server, services: Services): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== TERMINAL_RELAY_PATH || !sameOrigin(request)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (browser) => {
      const timer = setTimeout(() => browser.close(4401, 'no ticket came'), HELLO_TIMEOUT_MS);
      browser.once('message', (data, binary) => {
        clearTimeout(timer);
        relay(services, browser, binary ? '' : String(data)).catch((error: unknown) => {
          services.logger.warn({ err: error }, 'terminal relay failed');
          browser.close(1011, 'the terminal could not be opened');
        });
      });
    });
  });
}

async function relay(services: Services, browser: WebSocket, hello: string): Promise<void> {
  // Keys typed while the ticket is checked and the proxy reached are kept (in order, bounded) and sent on.
  const pending: [WebSocket.RawData, boolean][] = [];
  let pendingBytes = 0;
  let upstream: WebSocket | undefined;
  browser.on('message', (data, binary) => {
    if (upstream?.readyState === WebSocket.OPEN) return upstream.send(data, { binary });
    pendingBytes += rawLength(data);
    if (pendingBytes > MAX_PENDING_BYTES)
      return browser.close(1009, 'too much input before the terminal opened');
    pending.push([data, binary]);
  });
  let ticket: string | undefined;
  try {
    ticket = (JSON.parse(hello) as { ticket?: unknown }).ticket as string | undefined;
  } catch {}
  const target = typeof ticket === 'string' ? ticketTarget(ticket) : undefined;
  const socket = target && (await findSocketByDnsname(services.db, target.host, services.baseDomain));
  // Verified before going anywhere: the relay opens connections only for tickets it signed.
  const valid =
    target &&
    socket &&
    (await verifyTerminalTicket(services.db, { orgId: socket.org_id, ...target, ticket: ticket! }));
  const proxy = valid && (await liveProxies(services.db)).find((p) => p.name === target.proxy);
  if (!target || !proxy) return browser.close(4401, 'the ticket is not valid (used, expired, or no proxy)');
  const authority = await platformX509Authority(services.db, services.secrets);
  const toProxy = new WebSocket(`wss://${proxy.public_address}${WEB_TERMINAL_PATH}`, {
    ca: authority.certificate.toString('pem'),
    servername: target.host,
    // The platform CA's one-label wildcard (`*.localhost` too, which Node's own check refuses).
    checkServerIdentity: checkProxyIdentity,
    headers: { host: target.host },
    maxPayload: MAX_MESSAGE_BYTES,
  } as unknown as WebSocket.ClientOptions);
  upstream = toProxy;
  toProxy.on('open', () => {
    toProxy.send(hello);
    for (const [data, binary] of pending.splice(0)) toProxy.send(data, { binary });
  });
  // Output as fast as the browser takes it: the proxy's side is paused while much is unsent.
  toProxy.on('message', (data, binary) => {
    if (browser.readyState !== WebSocket.OPEN) return;
    browser.send(data, { binary }, () => {
      if (toProxy.isPaused && browser.bufferedAmount < LOW_WATER_BYTES) toProxy.resume();
    });
    if (browser.bufferedAmount > HIGH_WATER_BYTES) toProxy.pause();
  });
  const closeCode = (code: number) => (code === 1005 || code === 1006 ? 1000 : code);
  toProxy.on('close', (code, reason) => browser.close(closeCode(code), reason.toString()));
  toProxy.on('error', (error) => {
    services.logger.warn({ err: error }, 'the proxy of a terminal could not be reached');
    browser.close(1011, 'the proxy could not be reached');
  });
  browser.on('close', () => toProxy.close());
}

const rawLength = (data: WebSocket.RawData) =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
