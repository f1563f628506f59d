/**
 * A fetch that retries what is safe to retry: idempotent methods, and writes carrying an Idempotency-Key,
 * on network errors and on 429/502/503/504, with exponential backoff, full jitter and `Retry-After`.
 */
import { Backoff } from './backoff.js';
import { Border0NetworkError } from './border0-error.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables). */
  retries?: number;
  /** First backoff in milliseconds (default 200), doubled each retry, capped at `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function isRetryable(request: Request): boolean {
  return IDEMPOTENT.has(request.method) || request.headers.has('idempotency-key');
}

export function retryingFetch(
  inner: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
): (request: Request) => Promise<Response> {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5000;
  return async (request) => {
    const retryable = isRetryable(request);
    const backoff = new Backoff({ initialMs: base, maxMs: max });
    for (let attempt = 0; ; attempt++) {
      const last = !retryable || attempt >= retries;
      // A body can be read once: each attempt sends a clone.
      const sent = last ? request : request.clone();
      let response: Response;
      try {
        response = await inner(sent);
      } catch (error) {
        if (last) throw new Border0NetworkError(request.url, { cause: error });
        await sleep(backoff.next());
        continue;
      }
      if (last || !RETRY_STATUS.has(response.status)) return response;
      await response.body?.cancel();
      // The window widens on every retry, also one that waited as Retry-After asked.
      const delay = backoff.next();
      await sleep(retryAfter(response, max) ?? delay);
    }
  };
}

function retryAfter(response: Response, max: number): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), max) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
