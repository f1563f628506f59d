/** The audit log: append-only, one hash chain per organization (see `verifyAuditChain` in the SDK). */
import { z } from '@hono/zod-openapi';
import { Timestamp } from '../platform/http/common-schemas.js';

export const AuditEntry = z
  .object({
    seq: z.number().int().min(1).openapi({ description: 'Position in the organization’s chain, from 1.' }),
    id: z.string(),
    time: Timestamp.openapi({ description: 'Exactly as hashed: UTC, millisecond precision.' }),
    actor: z.string().openapi({ example: 'user:alice@acme.dev' }),
    action: z.string().openapi({ example: 'socket.create' }),
    resource_type: z.string().openapi({ example: 'socket' }),
    resource_id: z.string().nullable(),
    ip: z.string().nullable(),
    request_id: z.string().nullable().openapi({
      description: 'The server’s id of the request that made the change: its `X-Request-Id` answer header.',
    }),
    client_request_id: z
      .string()
      .nullable()
      .openapi({
        description:
          'The `X-Request-Id` the caller sent, when it was 1 to 128 printable ASCII characters; never the ' +
          'server’s own id. Hashed when not null.',
      }),
    details: z.record(z.string(), z.unknown()),
    prev_hash: z.string().openapi({ description: 'The `hash` of the entry before; 64 zeros for the first.' }),
    hash: z.string().openapi({
      description: 'SHA-256 (hex) of the entry’s canonical JSON without `hash`, including `prev_hash`.',
    }),
  })
  .openapi('AuditEntry');

export const AuditListQuery = z.object({
  actor: z.string().max(300).optional().openapi({ description: 'Exact actor, e.g. `user:alice@acme.dev`.' }),
  action: z.string().max(100).optional().openapi({ description: 'Exact action, e.g. `socket.create`.' }),
  resource_type: z.string().max(100).optional(),
  resource_id: z.string().max(200).optional(),
  from: Timestamp.optional().openapi({ description: 'Entries at or after this time.' }),
  to: Timestamp.optional().openapi({ description: 'Entries at or before this time.' }),
});
export type AuditListQueryValue = z.infer<typeof AuditListQuery>;
