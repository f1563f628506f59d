/** The one error the SDK raises for an API failure, carrying the problem details (RFC 9457) the server sent. */

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

export class Border0Error extends Error {
  override readonly name = 'Border0Error';
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

  constructor(problem: ProblemDetails & { code?: string | undefined }) {
    super(problem.detail || problem.title);
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = problem.request_id;
    this.code = problem.code;
  }

  /** Builds the error from any failed response, problem+json or not. */
  static async fromResponse(response: Response): Promise<Border0Error> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as Partial<ProblemDetails> & {
        error?: unknown;
        error_description?: unknown;
      };
      if (typeof body.error === 'string') {
        const description = typeof body.error_description === 'string' ? body.error_description : body.error;
        return new Border0Error({
          type: `urn:ietf:params:oauth:error:${body.error}`,
          title: body.error,
          status: response.status,
          detail: description,
          code: body.error,
        });
      }
      if (typeof body.detail === 'string' || typeof body.title === 'string') {
        return new Border0Error({
          type: body.type ?? 'about:blank',
          title: body.title ?? response.statusText,
          status: body.status ?? response.status,
          detail: body.detail ?? body.title ?? response.statusText,
          ...(body.errors && { errors: body.errors }),
          ...(body.request_id && { request_id: body.request_id }),
        });
      }
    } catch {}
    return new Border0Error({
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text.slice(0, 500) || `HTTP ${response.status} ${response.statusText}`,
    });
  }
}

/** A request that never got an answer (connection refused, DNS, TLS...), after retries. */
export class Border0NetworkError extends Error {
  override readonly name = 'Border0NetworkError';
  constructor(
    readonly url: string,
    options: { cause: unknown },
  ) {
    super(`cannot reach the Border0 API at ${url}: ${describeCause(options.cause)}`, options);
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  return inner?.code ?? inner?.message ?? (cause as Error)?.message ?? String(cause);
}
