/**
 * Sending a request with retries of what is safe to repeat, on network errors, timeouts and 429/502/503/504,
 * with exponential backoff, full jitter and `Retry-After`; a per-attempt timeout; and the caller's
 * `AbortSignal` (the request's), which ends the call at once, also while it waits between attempts. Failures
 * that got no answer are `Border0NetworkError`, `Border0TimeoutError` or `Border0AbortError`.
 */
import { Backoff } from './backoff.js';
import {
  Border0AbortError,
  Border0Error,
  Border0NetworkError,
  Border0TimeoutError,
  retryAfterSeconds,
} from './border0-error.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables). */
  retries?: number;
  /** First backoff in milliseconds (default 200), doubled each retry, capped at `maxDelayMs`. */
  baseDelayMs?: number;
  /**
   * The longest wait between attempts (default 5000). A `Retry-After` asking for longer is not waited
   * for: the answer goes to the caller (a `Border0RateLimitedError` with its `retryAfter`).
   */
  maxDelayMs?: number;
}

export interface SendOptions {
  /** Whether the request may be repeated: the client decides from the method and the spec. */
  retryable: boolean;
  retry?: RetryOptions | undefined;
  /** How long one attempt may wait for the answer's headers; none by default. */
  timeoutMs?: number | undefined;
}

type Fetch = (request: Request) => Promise<Response>;

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether a request is safe to repeat by its method, or by an Idempotency-Key the server honours. */
export function isRetryable(request: Request): boolean {
  return IDEMPOTENT.has(request.method) || request.headers.has('idempotency-key');
}

/** Whether `method` is safe to repeat by HTTP's rules (RFC 9110 §9.2.2). */
export const isIdempotentMethod = (method: string) => IDEMPOTENT.has(method.toUpperCase());

/** Sends `request` through `inner`, retrying as `options` allow. Answers the last response. */
export async function sendWithRetries(
  inner: Fetch,
  request: Request,
  options: SendOptions,
): Promise<Response> {
  const retries = options.retryable ? (options.retry?.retries ?? 3) : 0;
  const max = options.retry?.maxDelayMs ?? 5000;
  const backoff = new Backoff({ initialMs: options.retry?.baseDelayMs ?? 200, maxMs: max });
  const caller = request.signal;
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= retries;
    // A body can be read once: each attempt but the last sends a clone.
    const sent = last ? request : request.clone();
    let response: Response;
    try {
      response = await attemptOnce(inner, sent, options.timeoutMs);
    } catch (error) {
      if (last || error instanceof Border0AbortError) throw error;
      await sleep(backoff.next(), caller, request.url);
      continue;
    }
    if (last || !RETRY_STATUS.has(response.status)) return response;
    const asked = retryAfterSeconds(response.headers.get('retry-after'));
    // Asked to wait longer than this client waits: the caller decides, with `retryAfter` in hand.
    if (asked !== undefined && asked * 1000 > max) return response;
    await response.body?.cancel();
    // The window widens on every retry, also one that waited as Retry-After asked.
    const delay = backoff.next();
    await sleep(asked === undefined ? delay : asked * 1000, caller, request.url);
  }
}

/**
 * A fetch that retries what is safe to retry (`isRetryable`, unless another test is given).
 *
 * @example
 * const fetch = retryingFetch((r) => globalThis.fetch(r), { retries: 5, baseDelayMs: 100 });
 */
export function retryingFetch(
  inner: Fetch,
  options: RetryOptions = {},
  retryable: (request: Request) => boolean = isRetryable,
): Fetch {
  return (request) => sendWithRetries(inner, request, { retryable: retryable(request), retry: options });
}

/** One attempt: the answer, or the typed error of no answer (network, timeout, abort). */
async function attemptOnce(inner: Fetch, request: Request, timeoutMs: number | undefined): Promise<Response> {
  const caller = request.signal;
  if (caller.aborted) throw new Border0AbortError(request.url, caller.reason);
  // Cleared once the headers arrive: the timeout bounds the wait for an answer, not the reading of a body
  // (an event stream reads for hours).
  const timeout = timeoutMs === undefined ? undefined : new AbortController();
  const timer = timeout && setTimeout(() => timeout.abort(), timeoutMs);
  const signal = timeout ? AbortSignal.any([caller, timeout.signal]) : caller;
  const sent = timeout ? new Request(request, { signal }) : request;
  const failure = (cause: unknown) => {
    if (caller.aborted) return new Border0AbortError(request.url, caller.reason);
    if (timeout?.signal.aborted) return new Border0TimeoutError(request.url, timeoutMs!);
    return cause instanceof Border0Error ? cause : new Border0NetworkError(request.url, { cause });
  };
  // Raced with the signal: an injected fetch (an app's handler) may not heed it.
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(failure(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    inner(sent).then(
      (response) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (settled) void response.body?.cancel().catch(() => {});
        else resolve(response);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(failure(error));
      },
    );
  });
}

/** Waits `ms`, or fails at once with a `Border0AbortError` when the caller aborts. */
function sleep(ms: number, signal: AbortSignal, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Border0AbortError(url, signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Border0AbortError(url, signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
