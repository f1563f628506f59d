/**
 * Request ids. The server's own is generated here for every request, whatever the caller sends: it is the
 * `X-Request-Id` of the answer, the `request_id` of problems, logs and audit entries, so a caller can never
 * choose (or collide with) the id an operator searches for. A caller's own `X-Request-Id` is kept apart as
 * `clientRequestId` (logs, audit entries' `client_request_id`) when it is 1 to 128 printable ASCII
 * characters; anything else is ignored, since a correlation id is no reason to refuse a request.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

export const MAX_CLIENT_REQUEST_ID = 128;

const CLIENT_REQUEST_ID = new RegExp(`^[\\x20-\\x7e]{1,${MAX_CLIENT_REQUEST_ID}}$`);

/** The caller's request id when it is one we keep, else undefined. */
export function clientRequestIdOf(header: string | undefined): string | undefined {
  return header !== undefined && CLIENT_REQUEST_ID.test(header) ? header : undefined;
}

export function assignRequestIds(): MiddlewareHandler<AppEnv> {
  return async function assignRequestId(c, next) {
    const id = randomUUID();
    c.set('requestId', id);
    c.set('clientRequestId', clientRequestIdOf(c.req.header('x-request-id')));
    c.header('x-request-id', id);
    await next();
  };
}
