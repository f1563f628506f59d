/**
 * Sessions as the data plane reports them, shared by the organization's routes (`/sessions`) and the
 * proxies' (`/proxy/sessions`): one way to open a session, one set of rules for its progress reports.
 */
import type { z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../platform/db/schema.js';
import type { Audit } from '../platform/http/mutation.js';
import { ApiError, invalid, notFound } from '../platform/http/problem.js';
import { newId } from '../platform/ids.js';
import type { SocketRow } from '../sockets/socket-store.js';
import {
  MAX_EVENT_DATA_BYTES,
  type SessionCreate,
  type SessionEventCreate,
  type SessionListQueryValue,
  type SessionUpdate,
} from './session-schemas.js';

export type SessionRow = Selectable<SessionsTable>;
/** What opening a session says besides its socket. */
export type NewSession = z.infer<typeof SessionCreate>;
export type SessionProgress = z.infer<typeof SessionUpdate>;

/** Whose sessions a reader without `sessions:read` sees; a null value matches nothing (fail closed). */
export type Own = { column: 'user_email' | 'service_account_name'; value: string | null } | null;

export async function findSession(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  own: Own = null,
  lock = false,
): Promise<SessionRow> {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .$if(own !== null, (qb) => qb.where(own!.column, '=', own!.value))
    .$if(lock, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!row) throw notFound(`session ${id}`);
  return row;
}

/**
 * The organization of a session that the proxy holding `proxyTokenId` opened: proxies report about every
 * organization's sessions, but each only about its own. Another proxy's session is not found.
 */
export async function proxySessionOrganization(
  db: Kysely<Database>,
  id: string,
  proxyTokenId: string,
): Promise<string> {
  const row = await db
    .selectFrom('sessions')
    .select('org_id')
    .where('id', '=', id)
    .where('proxy_token_id', '=', proxyTokenId)
    .executeTakeFirst();
  if (!row) throw notFound(`session ${id}`);
  return row.org_id;
}

export function checkSessionIdentity(body: NewSession): void {
  if (body.user_email && body.service_account) {
    throw invalid('service_account', 'a session belongs to a user or a service account, not both');
  }
  // Only refusals are counted together: every allowed connection is a session of its own.
  if (body.attempts !== undefined && body.attempts > 1 && body.result !== 'denied') {
    throw invalid('attempts', 'more than one attempt is only counted for a denied session');
  }
}

/** Opens a session on `socket` (audited); a denied one starts already ended. */
export async function insertSession(
  trx: Kysely<Database>,
  audit: Audit,
  socket: SocketRow,
  body: NewSession,
  proxyTokenId: string,
): Promise<SessionRow> {
  const id = newId();
  const now = new Date();
  await trx
    .insertInto('sessions')
    .values({
      id,
      org_id: socket.org_id,
      socket_id: socket.id,
      socket_name: socket.name,
      user_email: body.user_email?.toLowerCase() ?? null,
      service_account_name: body.service_account ?? null,
      client_ip: body.client_ip ?? null,
      client_port: body.client_port ?? null,
      country: body.country ?? null,
      started_at: now,
      last_seen_at: now,
      ended_at: body.result === 'denied' ? now : null,
      result: body.result,
      reason: body.reason ?? null,
      bytes_in: 0,
      bytes_out: 0,
      proxy_token_id: proxyTokenId,
      attempts: body.attempts ?? 1,
    })
    .execute();
  await audit({
    action: 'session.create',
    resource_type: 'session',
    resource_id: id,
    details: {
      socket: socket.name,
      user: body.user_email ?? body.service_account ?? null,
      result: body.result,
      ...(body.attempts !== undefined && body.attempts > 1 && { attempts: body.attempts }),
    },
  });
  return findSession(trx, socket.org_id, id);
}

/**
 * Applies a progress report: byte counts are totals that never decrease, an ended session takes no more
 * reports, and a session that ends after a terminate request was terminated unless the report says otherwise.
 */
export async function reportSessionProgress(
  trx: Kysely<Database>,
  orgId: string,
  id: string,
  body: SessionProgress,
): Promise<SessionRow> {
  // Locking the row keeps concurrent reports from moving the byte counters backwards.
  const row = await findSession(trx, orgId, id, null, true);
  if (row.ended_at !== null) throw new ApiError('conflict', `session ${row.id} has already ended`);
  for (const field of ['bytes_in', 'bytes_out'] as const) {
    const value = body[field];
    if (value !== undefined && value < Number(row[field])) {
      throw invalid(field, `is a total and may not decrease (currently ${Number(row[field])})`);
    }
  }
  const now = new Date();
  const endResult = body.ended && row.terminate_requested_at !== null ? 'terminated' : undefined;
  await trx
    .updateTable('sessions')
    .set({
      last_seen_at: now,
      ...(body.bytes_in !== undefined && { bytes_in: body.bytes_in }),
      ...(body.bytes_out !== undefined && { bytes_out: body.bytes_out }),
      ...(body.ended && { ended_at: now }),
      ...((body.result ?? endResult) !== undefined && { result: body.result ?? endResult }),
      ...(body.reason !== undefined && { reason: body.reason }),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', row.id)
    .execute();
  return findSession(trx, orgId, row.id);
}

/** Records an event of a session (a command, a query, a refusal...); events may arrive after its end. */
export async function insertSessionEvent(
  db: Kysely<Database>,
  orgId: string,
  sessionId: string,
  body: z.infer<typeof SessionEventCreate>,
) {
  if (Buffer.byteLength(JSON.stringify(body.data)) > MAX_EVENT_DATA_BYTES) {
    throw invalid('data', `must be at most ${MAX_EVENT_DATA_BYTES} bytes as JSON`);
  }
  const session = await findSession(db, orgId, sessionId);
  return db
    .insertInto('session_events')
    .values({
      org_id: orgId,
      session_id: session.id,
      time: body.time ?? new Date(),
      type: body.type,
      data: JSON.stringify(body.data),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A page of the organization's sessions, newest first, filtered; only the caller's own when `own` says so. */
export function listSessionRows(
  db: Kysely<Database>,
  orgId: string,
  own: Own,
  page: { before: string | undefined; limit: number },
  filters: Omit<SessionListQueryValue, 'cursor' | 'limit'>,
): Promise<SessionRow[]> {
  let query = db.selectFrom('sessions').selectAll().where('org_id', '=', orgId);
  if (own) query = query.where(own.column, '=', own.value);
  if (page.before) query = query.where('id', '<', page.before);
  const { socket, user } = filters;
  if (socket)
    query = query.where((eb) => eb.or([eb('socket_id', '=', socket), eb('socket_name', '=', socket)]));
  if (user) {
    query = query.where((eb) =>
      eb.or([eb('user_email', '=', user.toLowerCase()), eb('service_account_name', '=', user)]),
    );
  }
  if (filters.from) query = query.where('started_at', '>=', new Date(filters.from));
  if (filters.to) query = query.where('started_at', '<=', new Date(filters.to));
  if (filters.result) query = query.where('result', '=', filters.result);
  if (filters.live) query = query.where('ended_at', filters.live === 'true' ? 'is' : 'is not', null);
  return query
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

/** A page of the session's events, oldest first, after the event id `after`. */
export function listSessionEventRows(
  db: Kysely<Database>,
  session: SessionRow,
  page: { after: number | undefined; limit: number },
) {
  return db
    .selectFrom('session_events')
    .selectAll()
    .where('org_id', '=', session.org_id)
    .where('session_id', '=', session.id)
    .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

/** Asks the proxy carrying the session to end it (kept from the first request: the time it was asked). */
export async function requestTermination(db: Kysely<Database>, row: SessionRow): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ terminate_requested_at: row.terminate_requested_at ?? new Date() })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}

/** The organization of a socket, by the socket's id alone (what a proxy reports a session on). */
export async function socketOrganization(
  db: Kysely<Database>,
  socketId: string,
): Promise<string | undefined> {
  const row = await db.selectFrom('sockets').select('org_id').where('id', '=', socketId).executeTakeFirst();
  return row?.org_id;
}
