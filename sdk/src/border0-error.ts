/**
 * What the SDK raises: one `Border0Error` base, carrying the problem details (RFC 9457) the server sent, with
 * a subclass per problem type, so that callers catch what they handle:
 *
 * - an answer: `Border0ValidationError` (400, with `errors` naming the fields), `Border0UnauthorizedError`
 *   (401), `Border0ForbiddenError` (403), `Border0NotFoundError` (404), `Border0ConflictError` (409),
 *   `Border0PreconditionFailedError` (412, 428: an `If-Match` that no longer matches, or none),
 *   `Border0RateLimitedError` (429, with `retryAfter`), `Border0ServerError` (5xx); any other status is a
 *   plain `Border0Error`;
 * - no answer (`status` 0): `Border0NetworkError` (connection refused or reset, DNS, TLS), its subclass
 *   `Border0TimeoutError` (the call's `timeoutMs` passed), and `Border0AbortError` (the caller's signal).
 *
 * @example
 * try {
 *   await b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
 * } catch (error) {
 *   if (error instanceof Border0NotFoundError) return undefined;
 *   throw error;
 * }
 */

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  request_id?: string;
}

export interface Border0ErrorInit extends ProblemDetails {
  /** The OAuth error code of the token endpoints. */
  code?: string | undefined;
  /** The seconds the server asked to wait (`Retry-After`). */
  retryAfter?: number | undefined;
}

export class Border0Error extends Error {
  override readonly name: string = 'Border0Error';
  /** The HTTP status; 0 when no answer came (a network error, a timeout, an abort). */
  readonly status: number;
  /** Stable problem type, e.g. `/problems/validation`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** The failing fields, when the request was invalid. */
  readonly errors: FieldError[];
  readonly requestId: string | undefined;
  /** The OAuth error code (RFC 6749 §5.2, RFC 8628 §3.5) of the token endpoints, e.g. `authorization_pending`. */
  readonly code: string | undefined;
  /** The seconds the server asked to wait before another try (`Retry-After` of a 429 or 503). */
  readonly retryAfter: number | undefined;

  constructor(problem: Border0ErrorInit, options?: { cause?: unknown }) {
    super(problem.detail || problem.title, options);
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = problem.request_id;
    this.code = problem.code;
    this.retryAfter = problem.retryAfter;
  }

  /** Builds the error from any failed response, problem+json or not, as the subclass of its problem type. */
  static async fromResponse(response: Response): Promise<Border0Error> {
    const problem = await problemOf(response);
    const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
    const init = { ...problem, ...(retryAfter !== undefined && { retryAfter }) };
    const Class = classOf(init);
    return new Class(init);
  }
}

/** 400 (or 422: an `Idempotency-Key` reused for another request): the request is invalid; `errors` names the failing fields. */
export class Border0ValidationError extends Border0Error {
  override readonly name: string = 'Border0ValidationError';
}
/** 401: no token, or one that is unknown, expired or revoked. */
export class Border0UnauthorizedError extends Border0Error {
  override readonly name: string = 'Border0UnauthorizedError';
}
/** 403: the token may not do this. */
export class Border0ForbiddenError extends Border0Error {
  override readonly name: string = 'Border0ForbiddenError';
}
/** 404: no such resource (in this organization). */
export class Border0NotFoundError extends Border0Error {
  override readonly name: string = 'Border0NotFoundError';
}
/** 409: conflicts with an existing resource, e.g. a name that is taken. */
export class Border0ConflictError extends Border0Error {
  override readonly name: string = 'Border0ConflictError';
}
/** 412 (or 428): the resource changed since it was read: read it again (`modify` does). */
export class Border0PreconditionFailedError extends Border0Error {
  override readonly name: string = 'Border0PreconditionFailedError';
}
/** 429: too many requests; `retryAfter` says how many seconds to wait. */
export class Border0RateLimitedError extends Border0Error {
  override readonly name: string = 'Border0RateLimitedError';
}
/** 5xx: the server failed (or a gateway before it). */
export class Border0ServerError extends Border0Error {
  override readonly name: string = 'Border0ServerError';
}

/** A request that never got an answer (connection refused or reset, DNS, TLS...), after retries. */
export class Border0NetworkError extends Border0Error {
  override readonly name: string = 'Border0NetworkError';
  constructor(
    readonly url: string,
    options: { cause: unknown },
    message = `cannot reach the Border0 API at ${url}: ${describeCause(options.cause)}`,
  ) {
    super({ type: 'about:blank', title: 'Network error', status: 0, detail: message }, options);
  }
}

/** An attempt that got no answer within the call's `timeoutMs` (after retries, when the call may retry). */
export class Border0TimeoutError extends Border0NetworkError {
  override readonly name: string = 'Border0TimeoutError';
  constructor(
    url: string,
    readonly timeoutMs: number,
  ) {
    super(url, { cause: undefined }, `no answer from the Border0 API at ${url} within ${timeoutMs} ms`);
  }
}

/** The caller aborted the call with its `signal`; `cause` is the signal's reason. Never retried. */
export class Border0AbortError extends Border0Error {
  override readonly name: string = 'Border0AbortError';
  constructor(
    readonly url: string,
    reason: unknown,
  ) {
    const detail = `the call to ${url} was aborted`;
    super({ type: 'about:blank', title: 'Aborted', status: 0, detail }, { cause: reason });
  }
}

type ErrorClass = new (problem: Border0ErrorInit) => Border0Error;

const BY_TYPE: Record<string, ErrorClass> = {
  '/problems/validation': Border0ValidationError,
  '/problems/malformed-json': Border0ValidationError,
  '/problems/idempotency-mismatch': Border0ValidationError,
  '/problems/unauthenticated': Border0UnauthorizedError,
  '/problems/forbidden': Border0ForbiddenError,
  '/problems/not-found': Border0NotFoundError,
  '/problems/conflict': Border0ConflictError,
  '/problems/precondition-failed': Border0PreconditionFailedError,
  '/problems/precondition-required': Border0PreconditionFailedError,
  '/problems/rate-limited': Border0RateLimitedError,
};

const BY_STATUS: Record<number, ErrorClass> = {
  400: Border0ValidationError,
  401: Border0UnauthorizedError,
  403: Border0ForbiddenError,
  404: Border0NotFoundError,
  409: Border0ConflictError,
  422: Border0ValidationError,
  412: Border0PreconditionFailedError,
  428: Border0PreconditionFailedError,
  429: Border0RateLimitedError,
};

/** The subclass of a problem: by its type, else by its status (a proxy's or gateway's answer). */
function classOf(problem: Border0ErrorInit): ErrorClass {
  const byType = BY_TYPE[problem.type];
  if (byType) return byType;
  if (problem.status >= 500) return Border0ServerError;
  // An OAuth error (`invalid_grant`...) is no field validation: it stays a Border0Error with its `code`.
  if (problem.code !== undefined && problem.status === 400) return Border0Error;
  return BY_STATUS[problem.status] ?? Border0Error;
}

async function problemOf(response: Response): Promise<Border0ErrorInit> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ProblemDetails> & {
      error?: unknown;
      error_description?: unknown;
    };
    if (typeof body.error === 'string') {
      const description = typeof body.error_description === 'string' ? body.error_description : body.error;
      return {
        type: `urn:ietf:params:oauth:error:${body.error}`,
        title: body.error,
        status: response.status,
        detail: description,
        code: body.error,
      };
    }
    if (typeof body.detail === 'string' || typeof body.title === 'string') {
      return {
        type: body.type ?? 'about:blank',
        title: body.title ?? response.statusText,
        status: body.status ?? response.status,
        detail: body.detail ?? body.title ?? response.statusText,
        ...(body.errors && { errors: body.errors }),
        ...(body.request_id && { request_id: body.request_id }),
      };
    }
  } catch {}
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 500) || `HTTP ${response.status} ${response.statusText}`,
  };
}

/** `Retry-After` in seconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or bad. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : undefined;
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  return inner?.code ?? inner?.message ?? (cause as Error)?.message ?? String(cause);
}
