/**
 * The Node HTTP listeners of the control plane (the API, the operations address), with timeouts that bound
 * how long a client can hold a connection without completing a request: a request whose headers trickle in
 * (or stop half way) is cut after `headersMs`, a body that trickles after `requestMs`, an idle keep-alive
 * connection after `keepAliveMs`. Node checks the first two on a timer, so the timer runs often enough for
 * the bounds to hold within a fraction of a second.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface HttpTimeouts {
  /** The whole header section must arrive within this long of the request's first byte. */
  headersMs: number;
  /** The whole request, body included; at least `headersMs`. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 60_000,
  keepAliveMs: 5_000,
};

export interface Listener {
  server: Server;
  port: number;
  /** `http://host:port`, with an IPv6 host in brackets. */
  url: string;
  close(): Promise<void>;
}

/** How long a closing listener waits for requests in flight before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000;

export async function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  address: { host: string; port: number },
  timeouts: Partial<HttpTimeouts> = {},
): Promise<Listener> {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  if (t.headersMs > t.requestMs) {
    throw new Error(
      `the headers timeout (${t.headersMs} ms) must not exceed the request timeout (${t.requestMs} ms)`,
    );
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch,
        hostname: address.host,
        port: address.port,
        serverOptions: {
          headersTimeout: t.headersMs,
          requestTimeout: t.requestMs,
          keepAliveTimeout: t.keepAliveMs,
          connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(t.headersMs / 4))),
        },
      },
      () => resolve(s as Server),
    );
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    // Requests in flight get a few seconds to finish; then their connections are cut, so that a stuck or slow
    // client never holds a shutdown.
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}

/** `host:port` (`[::1]:9464` for IPv6) or a bare port on loopback, for listen-address options. */
export function parseListenAddress(text: string, option: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new Error(
      `${option} expects host:port (e.g. 127.0.0.1:9464) or a port, got ${JSON.stringify(text)}`,
    );
  }
  return { host: match[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
}
