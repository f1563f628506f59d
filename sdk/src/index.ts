/** @border0/sdk: the typed client of the Border0 API, and the pure helpers clients share. */
export {
  type AuditVerification,
  auditEntryHash,
  type ChainedAuditEntry,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
} from './audit-chain.js';
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
export {
  Border0AbortError,
  Border0ConflictError,
  Border0Error,
  type Border0ErrorInit,
  Border0ForbiddenError,
  Border0NetworkError,
  Border0NotFoundError,
  Border0PreconditionFailedError,
  Border0RateLimitedError,
  Border0ServerError,
  Border0TimeoutError,
  Border0UnauthorizedError,
  Border0ValidationError,
  type FieldError,
  type ProblemDetails,
} from './border0-error.js';
export {
  type Border0Client,
  type CallOptions,
  type ClientOptions,
  createClient,
  type ModifiablePath,
  type ModifyOptions,
  type PagedPath,
  type TokenProvider,
} from './client.js';
export {
  type ConnectorEvent,
  EventStream,
  type EventStreamOptions,
  type ProxyEvent,
  parseServerSentEvents,
} from './event-stream.js';
export type { components, operations, paths } from './generated/api.js';
export { IDEMPOTENT_OPERATIONS, type IdempotentOperation } from './generated/idempotent-operations.js';
export { isRetryable, type RetryOptions, retryingFetch } from './retrying-fetch.js';

import type { components } from './generated/api.js';

/** The API's resource shapes, by name: `Schema<'Socket'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
