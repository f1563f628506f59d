/**
 * Access-check middleware for a plain `node:http` server: every request is decided by the Border0 API
 * (`POST /api/v1/access/check`) for one socket, as the Border0 proxy would decide it. Decisions are cached
 * briefly per identity and address, so a page with forty assets costs one API call, not forty.
 *
 * @example
 * const guard = accessCheck({ client: createClient(), socket: 'web' });
 * createServer((req, res) => guard(req, res, () => res.end('hello'))).listen(8080);
 */
import { type Border0Client, Border0Error } from '@border0/sdk';
import { type AccessMiddleware, noIdentity, type RequestOptions, refuse, requestFacts } from './request.js';

export interface AccessCheckOptions extends RequestOptions {
  /** A client whose token may check access (`read_only` or above). */
  client: Border0Client;
  /** The socket this server is, by name or id: its policies decide. */
  socket: string;
  /** How long a decision is reused for the same identity and address (default 5000; 0 asks every time). */
  cacheMs?: number | undefined;
  /** Told about failed checks, which are answered 503 (default: console.error). */
  onError?: ((error: unknown) => void) | undefined;
}

interface Verdict {
  allowed: boolean;
  reason: string;
}

const MAX_CACHED = 10_000;

export function accessCheck(options: AccessCheckOptions): AccessMiddleware {
  const cacheMs = options.cacheMs ?? 5000;
  const onError = options.onError ?? ((error: unknown) => console.error('access check failed:', error));
  // Promises, so concurrent requests of one identity share one API call.
  const cache = new Map<string, { expires: number; verdict: Promise<Verdict> }>();

  const ask = async (email: string, ip: string | undefined): Promise<Verdict> => {
    const decision = await options.client.post('/api/v1/access/check', {
      body: { socket: options.socket, identity: { email }, action: { type: 'http' }, ...(ip && { ip }) },
    });
    return { allowed: decision.allowed, reason: decision.reason };
  };

  const verdictFor = (email: string, ip: string | undefined): Promise<Verdict> => {
    if (cacheMs <= 0) return ask(email, ip);
    const key = `${email.toLowerCase()}\n${ip ?? ''}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.verdict;
    if (cache.size >= MAX_CACHED) cache.clear();
    const verdict = ask(email, ip);
    cache.set(key, { expires: now + cacheMs, verdict });
    // A failure is not a decision: the next request asks again.
    verdict.catch(() => cache.get(key)?.verdict === verdict && cache.delete(key));
    return verdict;
  };

  return async (req, res, next) => {
    const { email, ip } = requestFacts(req, options);
    if (!email) return refuse(res, 403, noIdentity(options));
    let verdict: Verdict;
    try {
      verdict = await verdictFor(email, ip);
    } catch (error) {
      // The API refused the question itself (e.g. the header holds no valid email): that is a denial.
      if (error instanceof Border0Error && error.status === 400) {
        return refuse(res, 403, `denied: ${error.message}`);
      }
      // Fail closed: no decision, no access.
      onError(error);
      return refuse(res, 503, 'access check unavailable, try again shortly');
    }
    if (!verdict.allowed) return refuse(res, 403, verdict.reason);
    next();
  };
}
