/** Errors as problem+json (RFC 9457): a stable `type`, a human `detail`, and the failing fields. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface FieldError {
  /** Dotted path of the failing field, e.g. `upstream_configuration.port`. */
  field: string;
  message: string;
}

export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'Invalid request' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  idempotency_mismatch: { status: 422, title: 'Idempotency key reused with a different request' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  precondition_required: { status: 428, title: 'Precondition required' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export class ApiError extends Error {
  readonly kind: ProblemKind;
  readonly errors: FieldError[];

  constructor(kind: ProblemKind, detail: string, errors: FieldError[] = []) {
    super(detail);
    this.kind = kind;
    this.errors = errors;
  }

  get status(): number {
    return PROBLEM_TYPES[this.kind].status;
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
export const forbidden = (detail: string) => new ApiError('forbidden', detail);
export const invalid = (field: string, message: string) =>
  new ApiError('validation', `${field}: ${message}`, [{ field, message }]);

export function problemBody(error: ApiError, requestId: string | undefined) {
  const meta = PROBLEM_TYPES[error.kind];
  return {
    type: `/problems/${error.kind.replaceAll('_', '-')}`,
    title: meta.title,
    status: meta.status,
    detail: error.message,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    ...(requestId ? { request_id: requestId } : {}),
  };
}

export function sendProblem(c: Context, error: ApiError): Response {
  const body = problemBody(error, c.get('requestId') as string | undefined);
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...(error.kind === 'unauthenticated' && { 'www-authenticate': bearerChallenge(c, error) }),
  });
}

/** The realm every challenge names: one protection space, the whole API. */
export const AUTH_REALM = 'border0';

/**
 * The `WWW-Authenticate` of a 401 (RFC 9110 §11.6.1 requires one; RFC 6750 §3 says what it holds): a bare
 * challenge when no bearer token came, `error="invalid_token"` when the one that came was refused. A 401
 * after the bearer token was accepted (a connector token inside a proxy's request) is about another token:
 * bare again, so clients do not throw away a good token.
 */
export function bearerChallenge(c: Context, error: ApiError): string {
  const bare = `Bearer realm="${AUTH_REALM}"`;
  const sentBearer = /^Bearer\s+\S+$/i.test(c.req.header('authorization') ?? '');
  if (!sentBearer || c.get('principal') !== undefined) return bare;
  // error_description allows printable ASCII without `"` and `\` (RFC 6750 §3).
  const description = error.message.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
  return `${bare}, error="invalid_token", error_description="${description}"`;
}

/** Turns zod issues into field errors with dotted paths. */
export function fieldErrorsFromIssues(
  issues: ReadonlyArray<{
    path: ReadonlyArray<PropertyKey>;
    message: string;
    code?: string;
    keys?: readonly string[];
  }>,
  prefix = '',
): FieldError[] {
  return issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((k) => ({ field: base ? `${base}.${k}` : k, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: issue.message }];
  });
}
