/**
 * What both access-check middlewares share: the Connect-style contract, who is asking (from the trusted
 * proxy's header) and from where (the TCP peer, or X-Forwarded-For when the proxy in front is trusted).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `(req, res, next)`: calls `next` when the request may pass, else answers it (403, or 503 when unsure). */
export type AccessMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => Promise<void>;

export interface RequestOptions {
  /**
   * The header carrying the authenticated email (default `x-forwarded-email`, as oauth2-proxy sets it). Only
   * an authenticating proxy in front of this server may set it: exposed to the open internet, anyone could
   * send `X-Forwarded-Email: admin@acme.dev`. The proxy must drop whatever value clients send.
   */
  identityHeader?: string | undefined;
  /**
   * Take the client address from the last X-Forwarded-For entry (the one the proxy in front appended)
   * instead of the TCP peer. Only behind exactly one trusted proxy: earlier entries are the client's own words.
   */
  trustForwardedFor?: boolean | undefined;
}

export interface RequestFacts {
  email: string | undefined;
  ip: string | undefined;
}

export function requestFacts(req: IncomingMessage, options: RequestOptions): RequestFacts {
  const header = req.headers[(options.identityHeader ?? 'x-forwarded-email').toLowerCase()];
  const email = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
  const forwarded = options.trustForwardedFor ? req.headers['x-forwarded-for'] : undefined;
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim();
  return { email, ip: last || req.socket.remoteAddress };
}

export function refuse(res: ServerResponse, status: 403 | 503, reason: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${reason}\n`);
}

export const noIdentity = (options: RequestOptions) =>
  `denied: no identity (the ${options.identityHeader ?? 'X-Forwarded-Email'} header is missing)`;
