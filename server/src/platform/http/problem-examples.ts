/**
 * Examples of the problems the API answers, one per kind, built with the server's own `problemBody` so they
 * have the exact shape a client receives. `addProblemExamples` gives every problem response of the generated
 * document an example by its status, so a new route needs nothing to have them.
 */
import { ApiError, type ProblemKind, problemBody } from './problem.js';

const REQUEST_ID = '0192f5a4-7d3c-7a61-b8e2-9c4d5e6f7a8b';

const example = (
  summary: string,
  kind: ProblemKind,
  detail: string,
  fieldErrors: ApiError['errors'] = [],
) => ({
  summary,
  value: problemBody(new ApiError(kind, detail, fieldErrors), REQUEST_ID),
});

const DNS_LABEL = 'must be a DNS label: lowercase letters, digits and inner hyphens';

/** `components.examples` of the document: what each problem response refers to. */
export const PROBLEM_EXAMPLES = {
  InvalidBody: example('A field of the body is invalid', 'validation', `name: ${DNS_LABEL}`, [
    { field: 'name', message: DNS_LABEL },
  ]),
  MalformedJson: example('The body is not valid JSON', 'malformed_json', 'the body is not valid JSON', [
    { field: '(body)', message: 'Malformed JSON in request body' },
  ]),
  InvalidParameters: example(
    'A parameter is invalid',
    'validation',
    'limit: Too big: expected number to be <=500 (query)',
    [{ field: 'limit', message: 'Too big: expected number to be <=500' }],
  ),
  Unauthenticated: example('No token', 'unauthenticated', 'send a token: Authorization: Bearer <token>'),
  Forbidden: example(
    'The token’s role does not allow this',
    'forbidden',
    'this token may not do this (needs sockets:write; the member role and the token’s own role decide)',
  ),
  ProxyOnly: example('Not a proxy’s token', 'forbidden', 'only a proxy token may do this'),
  ConnectorOnly: example('Not a connector’s token', 'forbidden', 'only a connector token may do this'),
  NotFound: example('Nothing by this id or name', 'not_found', 'socket web not found'),
  Conflict: example('The name is taken', 'conflict', 'name: already exists', [
    { field: 'name', message: 'already exists' },
  ]),
  PreconditionFailed: example(
    'The resource changed since it was read',
    'precondition_failed',
    'the resource changed: If-Match "3" does not match the current ETag "4"',
  ),
  PreconditionRequired: example(
    'A required precondition is missing',
    'precondition_required',
    'send If-Match with the current ETag',
  ),
  PayloadTooLarge: example(
    'The body is too large',
    'payload_too_large',
    'the body is larger than 1048576 bytes',
  ),
  UnsupportedMediaType: example(
    'The body is not JSON',
    'unsupported_media_type',
    'send the body as application/json',
  ),
  IdempotencyMismatch: example(
    'The Idempotency-Key was used for another request',
    'idempotency_mismatch',
    'Idempotency-Key 7f9c2ba4 was used for a different request; use a new key for a new request',
  ),
  RateLimited: example(
    'Too many requests',
    'rate_limited',
    'too many requests from this address; try again in 30 s',
  ),
  Internal: example(
    'An unexpected error',
    'internal',
    'something went wrong; the request id tells the operator where',
  ),
} as const;

type ExampleName = keyof typeof PROBLEM_EXAMPLES;

/** Whose token the operations of a tag take, when not an organization's: a 403 says so. */
const FORBIDDEN_BY_TAG: Record<string, ExampleName> = { Proxy: 'ProxyOnly', Connector: 'ConnectorOnly' };

/**
 * The examples of a problem response, by status: a 400 depends on whether the operation takes a JSON body,
 * a 403 on whose token it takes.
 */
function examplesFor(status: string, takesJson: boolean, tag: string | undefined): ExampleName[] {
  switch (status) {
    case '400':
      return takesJson ? ['InvalidBody', 'MalformedJson'] : ['InvalidParameters'];
    case '401':
      return ['Unauthenticated'];
    case '403':
      return [FORBIDDEN_BY_TAG[tag ?? ''] ?? 'Forbidden'];
    case '404':
      return ['NotFound'];
    case '409':
      return ['Conflict'];
    case '412':
      return ['PreconditionFailed'];
    case '413':
      return ['PayloadTooLarge'];
    case '415':
      return ['UnsupportedMediaType'];
    case '422':
      return ['IdempotencyMismatch'];
    case '428':
      return ['PreconditionRequired'];
    case '429':
      return ['RateLimited'];
    default:
      return status.startsWith('5') ? ['Internal'] : [];
  }
}

const PROBLEM_MEDIA = 'application/problem+json';

interface MediaObject {
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface OperationObject {
  tags?: string[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { content?: Record<string, MediaObject> }>;
}

/**
 * Adds `components.examples` and, to each problem response that has none, references to the examples of
 * its status. A route that documents its own example keeps it.
 */
export function addProblemExamples(document: Record<string, unknown>): Record<string, unknown> {
  const used = new Set<ExampleName>();
  const paths = (document.paths ?? {}) as Record<string, Record<string, OperationObject>>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      const takesJson = Object.keys(operation.requestBody?.content ?? {}).includes('application/json');
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const media = response.content?.[PROBLEM_MEDIA];
        if (!media || media.example !== undefined || media.examples !== undefined) continue;
        const names = examplesFor(status, takesJson, operation.tags?.[0]);
        if (names.length === 0) continue;
        for (const name of names) used.add(name);
        media.examples = Object.fromEntries(
          names.map((name) => [name, { $ref: `#/components/examples/${name}` }]),
        );
      }
    }
  }
  const components = (document.components ?? {}) as Record<string, unknown>;
  // Only the examples referred to: an unused component is a lint warning.
  const examples = Object.entries(PROBLEM_EXAMPLES).filter(([name]) => used.has(name as ExampleName));
  if (examples.length > 0) document.components = { ...components, examples: Object.fromEntries(examples) };
  return document;
}
