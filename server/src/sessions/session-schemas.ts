/** Sessions: one connection of one identity to one socket, its events and recordings, and their API shape. */
import { isIP } from 'node:net';
import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { SessionEventsTable, SessionsTable } from '../platform/db/schema.js';
import { Email, Id, Timestamp } from '../platform/http/common-schemas.js';

/** The path parameter of every route about one session. */
export const SessionParams = z.object({
  session_id: Id.openapi({ param: { name: 'session_id', in: 'path' } }),
});

export const SESSION_RESULTS = ['allowed', 'denied', 'terminated', 'failed'] as const;
export const SessionResult = z.enum(SESSION_RESULTS).openapi('SessionResult');

export const Bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Connections one session record stands for (identical refusals are counted, not recorded one by one). */
export const MAX_ATTEMPTS = 1_000_000;
const Attempts = z.number().int().min(1).max(MAX_ATTEMPTS);

export const Session = z
  .object({
    id: Id,
    socket_id: z.string().openapi({ description: 'Kept after the socket is deleted.' }),
    socket_name: z.string().openapi({ description: 'The socket’s name when the session started.' }),
    user: z.object({
      email: z.string().nullable(),
      service_account: z.string().nullable().openapi({ description: 'Service account name.' }),
    }),
    client_ip: z.string().nullable(),
    client_port: z.number().int().nullable(),
    country: z.string().nullable().openapi({ description: 'ISO 3166-1 alpha-2 code of the client IP.' }),
    started_at: Timestamp,
    last_seen_at: Timestamp,
    ended_at: Timestamp.nullable(),
    live: z.boolean().openapi({ description: 'Whether the session has not ended.' }),
    result: SessionResult,
    reason: z.string().nullable(),
    bytes_in: Bytes,
    bytes_out: Bytes,
    terminate_requested_at: Timestamp.nullable().openapi({
      description: 'When an admin asked for the session to end; the proxy carrying it closes it.',
    }),
    attempts: Attempts.openapi({
      description:
        'How many connections this record stands for: a proxy reports a refusal before authentication (no ' +
        "valid client certificate, another organization's) once per socket, client address and reason, then " +
        'counts the repeats of a window into one more record.',
    }),
  })
  .openapi('Session');

export const SessionListQuery = z.object({
  socket: z
    .string()
    .max(63)
    .optional()
    .openapi({ description: 'Socket id or name (also of deleted sockets).' }),
  user: z
    .string()
    .max(254)
    .optional()
    .openapi({ description: 'User email (case-insensitive) or service account name.' }),
  from: Timestamp.optional().openapi({ description: 'Sessions started at or after this time.' }),
  to: Timestamp.optional().openapi({ description: 'Sessions started at or before this time.' }),
  result: SessionResult.optional(),
  live: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: '`true`: only sessions still open; `false`: only ended ones.' }),
});

/** What a proxy says of a new session besides its socket (see ProxySessionCreate). */
export type SessionListQueryValue = z.infer<typeof SessionListQuery>;

export const SessionCreate = z.strictObject({
  user_email: Email.optional(),
  service_account: z.string().min(1).max(63).optional().openapi({ description: 'Service account name.' }),
  client_ip: z
    .string()
    .max(45)
    .refine((value) => isIP(value) !== 0, 'must be an IPv4 or IPv6 address')
    .optional()
    .openapi({ description: 'IPv4 or IPv6 address.', example: '192.0.2.7' }),
  client_port: z.number().int().min(1).max(65535).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .optional(),
  result: z.enum(['allowed', 'denied']),
  reason: z.string().max(1000).optional(),
  attempts: Attempts.optional().openapi({
    description: 'Identical refusals counted into this one record (default 1); more than 1 only when denied.',
  }),
});

export const SessionUpdate = z
  .strictObject({
    bytes_in: Bytes.optional().openapi({ description: 'Total so far; never decreases.' }),
    bytes_out: Bytes.optional().openapi({ description: 'Total so far; never decreases.' }),
    ended: z.literal(true).optional().openapi({ description: 'The connection closed.' }),
    result: SessionResult.optional(),
    reason: z.string().max(1000).optional(),
  })
  .openapi('SessionUpdate', {
    description: 'A progress report from the proxy; every report also refreshes `last_seen_at`.',
  });

export const SessionEvent = z
  .object({
    id: z.string().openapi({ example: '42' }),
    time: Timestamp,
    type: z.string().openapi({ example: 'ssh.exec' }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('SessionEvent');

export const MAX_EVENT_DATA_BYTES = 64 * 1024;

export const SessionEventCreate = z
  .strictObject({
    type: z.string().min(1).max(64),
    time: Timestamp.optional().openapi({ description: 'When it happened; now when absent.' }),
    data: z
      .record(z.string(), z.unknown())
      .openapi({ description: `At most ${MAX_EVENT_DATA_BYTES} bytes as JSON.` }),
  })
  .openapi('SessionEventCreate');

// Rows to API shapes. bigint columns arrive as strings from pg and as numbers from PGlite.
export const iso = (t: Date | string) => new Date(t).toISOString();
export const isoOrNull = (t: Date | string | null) => (t === null ? null : iso(t));

export function sessionToApi(row: Selectable<SessionsTable>) {
  return Session.parse({
    id: row.id,
    socket_id: row.socket_id,
    socket_name: row.socket_name,
    user: { email: row.user_email, service_account: row.service_account_name },
    client_ip: row.client_ip,
    client_port: row.client_port,
    country: row.country,
    started_at: iso(row.started_at),
    last_seen_at: iso(row.last_seen_at),
    ended_at: isoOrNull(row.ended_at),
    live: row.ended_at === null,
    result: row.result,
    reason: row.reason,
    bytes_in: Number(row.bytes_in),
    bytes_out: Number(row.bytes_out),
    terminate_requested_at: isoOrNull(row.terminate_requested_at),
    attempts: row.attempts,
  });
}

export function eventToApi(
  row: Pick<Selectable<SessionEventsTable>, 'time' | 'type' | 'data'> & { id: unknown },
) {
  return SessionEvent.parse({ id: String(row.id), time: iso(row.time), type: row.type, data: row.data });
}

/** What a proxy reports of the sessions it carries (`/proxy/sessions`): the same sessions as `/sessions`. */
export const ProxySessionCreate = z
  .strictObject({ socket_id: Id, ...SessionCreate.shape })
  .openapi('ProxySessionCreate', {
    description: 'Reported by a proxy when a connection arrives. A denied session starts already ended.',
  });

export const MAX_LIVE_SESSION_IDS = 1000;

export const ProxyLiveSessions = z
  .strictObject({
    session_ids: z
      .array(Id)
      .max(MAX_LIVE_SESSION_IDS)
      .openapi({
        description: `Sessions this proxy carries now (at most ${MAX_LIVE_SESSION_IDS} per call).`,
      }),
  })
  .openapi('ProxyLiveSessions');

export const ProxySessionsToEnd = z
  .object({
    end: z.array(z.object({ session_id: Id, reason: z.string() })).openapi({
      description:
        'Sessions of the list to end now, with why: terminated by an administrator, already ended by ' +
        'the control plane, or not opened by this proxy.',
    }),
    session_lease_seconds: z.number().openapi({ example: 35 }),
  })
  .openapi('ProxySessionsToEnd');
