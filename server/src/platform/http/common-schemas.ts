/** Schemas shared by every resource: names, problems, pagination, path parameters. */
import { z } from '@hono/zod-openapi';
import { isId } from '../ids.js';

export const DnsName = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and inner hyphens',
  )
  // Resources are addressed by id or by name: a name shaped like an id could never be found by name.
  .refine((name) => !isId(name), 'must not look like an id (UUID)')
  .openapi({ example: 'web' });

export const Id = z.string().uuid().openapi({ example: '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e' });
export const Timestamp = z
  .string()
  .datetime({ offset: true })
  .openapi({ example: '2026-11-26T08:00:00.000Z' });
/** Browsers' rule for email addresses, which accepts a one-label domain such as `admin@localhost`. */
export const Email = z
  .email({ pattern: z.regexes.html5Email })
  .max(254)
  .openapi({ example: 'alice@acme.dev' });

export const FieldError = z.object({ field: z.string(), message: z.string() }).openapi('FieldError');

export const Problem = z
  .object({
    type: z.string().openapi({ example: '/problems/validation' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(FieldError).optional(),
    request_id: z.string().optional(),
  })
  .openapi('Problem', { description: 'An error (RFC 9457 problem details).' });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

export const ERROR_RESPONSES = {
  400: problemResponse('The request is invalid; `errors` names the fields.'),
  401: {
    ...problemResponse('No valid token.'),
    headers: {
      'WWW-Authenticate': {
        description:
          'A Bearer challenge (RFC 6750): `Bearer realm="border0"`, with `error="invalid_token"` when the ' +
          'token sent is unknown, revoked or expired.',
        schema: { type: 'string' as const },
      },
    },
  },
  403: problemResponse('The token may not do this.'),
  404: problemResponse('No such resource in this organization.'),
  409: problemResponse('Conflicts with an existing resource.'),
  412: problemResponse('`If-Match` does not match the current ETag.'),
  413: problemResponse('The body is too large (over 1 MiB); the connection closes after this answer.'),
  415: problemResponse('The body is not JSON.'),
  422: problemResponse('The `Idempotency-Key` was used for a different request.'),
  429: problemResponse('Too many requests from this address; `Retry-After` says when to try again.'),
} as const;

export type ErrorCode = keyof typeof ERROR_RESPONSES;

export function errors<const C extends ErrorCode[]>(...codes: C): Pick<typeof ERROR_RESPONSES, C[number]> {
  return Object.fromEntries(codes.map((code) => [code, ERROR_RESPONSES[code]])) as Pick<
    typeof ERROR_RESPONSES,
    C[number]
  >;
}

/** The path parameter `name` of one resource, which a reference names: an id, or a name or email. */
export function refParams<const Name extends string>(name: Name, description: string, maxLength = 63) {
  const ref = z
    .string()
    .min(1)
    .max(maxLength)
    .openapi({ description, param: { name, in: 'path' } });
  return z.object({ [name]: ref } as Record<Name, typeof ref>);
}

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Items per page.' }),
  cursor: z.string().max(200).optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
});

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      next_cursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
    })
    .openapi(name);

/**
 * Marks an operation that clients may repeat safely (`x-idempotent: true` in the spec, which the SDK is
 * generated from): GET, HEAD, PUT and DELETE are by HTTP's rules; a POST only when marked. Spread into a
 * route config, with `IdempotencyHeaders` for a create (`createIdempotent` then de-duplicates it), or alone
 * for a POST that changes nothing (a query that takes a body). One-time actions (a token refresh, an
 * approval, a termination, a revocation) are never marked: a repeat would be refused or act twice.
 */
export const IDEMPOTENT = { 'x-idempotent': true } as const;

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: 'Repeat a create safely: the same key and body return the first result.' }),
});

export const IfMatchHeaders = z.object({
  'if-match': z.string().optional().openapi({ description: 'The ETag of the version being updated.' }),
});

export const etagHeader = {
  ETag: { description: 'The version of the resource, for `If-Match`.', schema: { type: 'string' as const } },
};

/**
 * A JSON request body and its example, which the reference shows: required, so that every body has one;
 * openapi.test.ts checks that the route's own schema accepts it.
 */
export const jsonBody = <T extends z.ZodTypeAny>(schema: T, example: z.input<T>) => ({
  required: true,
  content: { 'application/json': { schema, example } },
});

export const jsonResponse = <T extends z.ZodTypeAny>(schema: T, description: string, withEtag = false) => ({
  description,
  content: { 'application/json': { schema } },
  ...(withEtag ? { headers: etagHeader } : {}),
});
