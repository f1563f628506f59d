/**
 * The headers a request carries to the upstream of an HTTP socket, from those the client sent: hop-by-hop
 * headers (RFC 9110 §7.6.1) and the proxy's own credentials (its cookie, a bearer token it accepted) removed,
 * every client-sent `X-Border0-*` header removed (only the proxy speaks for the identity), the socket's host
 * header and extra headers applied, `X-Forwarded-For/-Proto/-Host` set by the proxy (it is the edge: what a
 * client claims there is replaced), and the identity added as `X-Border0-Email` and `X-Border0-Identity`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE } from './web-login.js';

export interface UpstreamHeaderInput {
  headers: IncomingHttpHeaders;
  /** The upstream's `host_header`, or its `hostname[:port]`. */
  host: string;
  /** The socket's extra `headers` (upstream_configuration). */
  extra?: Record<string, string> | undefined;
  clientAddress: string;
  proto: 'http' | 'https';
  /** The Host the client asked for. */
  requestedHost: string;
  email?: string | undefined;
  serviceAccount?: string | undefined;
  identityToken: string;
  /** The client authenticated with `Authorization: Bearer`: it is the proxy's, not the upstream's. */
  bearer: boolean;
  /** A WebSocket upgrade keeps its `Connection: upgrade` and `Upgrade`. */
  upgrade: boolean;
}

const HOP_BY_HOP = [
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
];

export function upstreamHeaders(input: UpstreamHeaderInput): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const named = new Set(HOP_BY_HOP);
  for (const token of String(input.headers.connection ?? '').split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !(input.upgrade && name === 'upgrade')) named.add(name);
  }
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || named.has(name) || name.startsWith('x-border0-')) continue;
    if (name === 'host' || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    if (name === 'authorization' && input.bearer) continue;
    if (name === 'upgrade' && !input.upgrade) continue;
    if (name === 'connection') {
      if (input.upgrade) out.connection = 'upgrade';
      continue;
    }
    if (name === 'cookie') {
      const cookie = withoutSessionCookie(value as string);
      if (cookie) out.cookie = cookie;
      continue;
    }
    out[name] = value;
  }
  // Node keeps a request's body framing in content-length; a chunked body is framed again by Node's client.
  if (input.headers['transfer-encoding'] && !out['content-length']) out['transfer-encoding'] = 'chunked';
  for (const [name, value] of Object.entries(input.extra ?? {})) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-border0-') && lower !== 'host') out[lower] = value;
  }
  out.host = input.host;
  out['x-forwarded-for'] = input.clientAddress;
  out['x-forwarded-proto'] = input.proto;
  out['x-forwarded-host'] = input.requestedHost;
  if (input.email) out['x-border0-email'] = input.email;
  if (input.serviceAccount) out['x-border0-service-account'] = input.serviceAccount;
  out['x-border0-identity'] = input.identityToken;
  return out;
}

/** The Cookie header without the proxy's own cookie; undefined when nothing else is left. */
export function withoutSessionCookie(header: string): string | undefined {
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && part.split('=', 1)[0]?.trim() !== SESSION_COOKIE);
  return kept.length > 0 ? kept.join('; ') : undefined;
}
