/**
 * /api/v1/sessions: connections of identities to sockets, as the proxies report them; admins list, inspect
 * and terminate them, members see their own; their recordings are in recordings.ts. Progress reports (PATCH
 * and events) are not audited: they arrive many times a second per session and change no configuration, so
 * they would drown the audit log.
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authorize } from '../auth/authorize.js';
import type { AppEnv } from '../http/env.js';
import { createIdempotent, mutate } from '../http/mutation.js';
import { decodeCursor, decodeNumericCursor, toPage } from '../http/pagination.js';
import { ApiError, invalid } from '../http/problem.js';
import { ownIdentity, readableSession } from '../resources/session-access.js';
import {
  checkSessionIdentity,
  findSession,
  insertSession,
  insertSessionEvent,
  reportSessionProgress,
} from '../resources/session-store.js';
import { findSocket } from '../resources/socket-store.js';
import { errors, IdempotencyHeaders, jsonBody, jsonResponse, PageQuery, pageOf } from '../schemas/common.js';
import {
  eventToApi,
  Session,
  SessionCreate,
  SessionEvent,
  SessionEventCreate,
  SessionListQuery,
  SessionParams,
  SessionUpdate,
  sessionToApi,
} from '../schemas/session.js';
import type { Services } from '../services.js';

const tags = ['Sessions'];

const listSessions = createRoute({
  tags,
  method: 'get',
  path: '/sessions',
  operationId: 'listSessions',
  summary: 'List sessions, newest first',
  request: { query: PageQuery.extend(SessionListQuery.shape) },
  responses: {
    200: jsonResponse(pageOf(Session, 'SessionPage'), 'A page of sessions.'),
    ...errors(400, 401, 403),
  },
});
const createSession = createRoute({
  tags,
  method: 'post',
  path: '/sessions',
  operationId: 'createSession',
  summary: 'Report a new session (data plane)',
  request: { headers: IdempotencyHeaders, body: jsonBody(SessionCreate) },
  responses: { 201: jsonResponse(Session, 'The new session.'), ...errors(400, 401, 403, 409, 413, 415, 422) },
});
const getSession = createRoute({
  tags,
  method: 'get',
  path: '/sessions/{session_id}',
  operationId: 'getSession',
  summary: 'Get a session',
  request: { params: SessionParams },
  responses: { 200: jsonResponse(Session, 'The session.'), ...errors(400, 401, 403, 404) },
});
const updateSession = createRoute({
  tags,
  method: 'patch',
  path: '/sessions/{session_id}',
  operationId: 'updateSession',
  summary: 'Report progress of a session (data plane)',
  request: { params: SessionParams, body: jsonBody(SessionUpdate) },
  responses: { 200: jsonResponse(Session, 'The session.'), ...errors(400, 401, 403, 404, 409, 413, 415) },
});
const terminateSession = createRoute({
  tags,
  method: 'post',
  path: '/sessions/{session_id}/terminate',
  operationId: 'terminateSession',
  summary: 'Ask the proxy carrying a live session to end it',
  request: { params: SessionParams },
  responses: { 202: jsonResponse(Session, 'Termination requested.'), ...errors(400, 401, 403, 404, 409) },
});
const listSessionEvents = createRoute({
  tags,
  method: 'get',
  path: '/sessions/{session_id}/events',
  operationId: 'listSessionEvents',
  summary: 'List the events of a session, oldest first',
  request: { params: SessionParams, query: PageQuery },
  responses: {
    200: jsonResponse(pageOf(SessionEvent, 'SessionEventPage'), 'A page of events.'),
    ...errors(400, 401, 403, 404),
  },
});
const addSessionEvent = createRoute({
  tags,
  method: 'post',
  path: '/sessions/{session_id}/events',
  operationId: 'addSessionEvent',
  summary: 'Report an event of a session (data plane)',
  request: { params: SessionParams, body: jsonBody(SessionEventCreate) },
  responses: { 201: jsonResponse(SessionEvent, 'The event.'), ...errors(400, 401, 403, 404, 413, 415) },
});
export function sessionRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  const readable = (c: Context<AppEnv>, id: string) => readableSession(c, services, id);

  app.openapi(listSessions, async (c) => {
    const principal = authorize(c, 'sessions:read_own');
    const own = await ownIdentity(services, principal);
    const q = c.req.valid('query');
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) throw invalid('from', 'is after `to`');
    let query = services.db.selectFrom('sessions').selectAll().where('org_id', '=', principal.orgId);
    if (own) query = query.where(own.column, '=', own.value);
    const before = decodeCursor(q.cursor);
    if (before) query = query.where('id', '<', before);
    const { socket, user } = q;
    if (socket)
      query = query.where((eb) => eb.or([eb('socket_id', '=', socket), eb('socket_name', '=', socket)]));
    if (user) {
      query = query.where((eb) =>
        eb.or([eb('user_email', '=', user.toLowerCase()), eb('service_account_name', '=', user)]),
      );
    }
    if (q.from) query = query.where('started_at', '>=', new Date(q.from));
    if (q.to) query = query.where('started_at', '<=', new Date(q.to));
    if (q.result) query = query.where('result', '=', q.result);
    if (q.live) query = query.where('ended_at', q.live === 'true' ? 'is' : 'is not', null);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    return c.json(toPage(rows, q.limit, sessionToApi), 200);
  });

  app.openapi(getSession, async (c) =>
    c.json(sessionToApi((await readable(c, c.req.valid('param').session_id)).session), 200),
  );

  app.openapi(listSessionEvents, async (c) => {
    const { orgId, session } = await readable(c, c.req.valid('param').session_id);
    const q = c.req.valid('query');
    const after = decodeNumericCursor(q.cursor);
    const rows = await services.db
      .selectFrom('session_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('session_id', '=', session.id)
      .$if(after !== undefined, (qb) => qb.where('id', '>', after!))
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const events = rows.map((r) => ({ ...r, id: String(r.id) }));
    return c.json(toPage(events, q.limit, eventToApi), 200);
  });

  app.openapi(terminateSession, async (c) => {
    const { orgId } = authorize(c, 'sessions:write');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findSession(trx, orgId, c.req.valid('param').session_id);
      if (row.ended_at !== null) throw new ApiError('conflict', `session ${row.id} has already ended`);
      await trx
        .updateTable('sessions')
        .set({ terminate_requested_at: row.terminate_requested_at ?? new Date() })
        .where('org_id', '=', orgId)
        .where('id', '=', row.id)
        .execute();
      await audit({
        action: 'session.terminate',
        resource_type: 'session',
        resource_id: row.id,
        details: { socket: row.socket_name, user: row.user_email ?? row.service_account_name },
      });
      return findSession(trx, orgId, row.id);
    });
    return c.json(sessionToApi(updated), 202);
  });

  app.openapi(createSession, async (c) => {
    const { orgId } = authorize(c, 'sessions:write');
    const { socket: socketRef, ...body } = c.req.valid('json');
    checkSessionIdentity(body);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createSession',
      { socket: socketRef, ...body },
      async (trx, audit) => {
        const socket = await findSocket(trx, orgId, socketRef).catch((error: unknown) => {
          throw error instanceof ApiError && error.kind === 'not_found'
            ? invalid('socket', `no socket ${socketRef} in this organization`)
            : error;
        });
        return { status: 201, body: sessionToApi(await insertSession(trx, audit, socket, body)) };
      },
    );
    const session = created as z.infer<typeof Session>;
    c.header('Location', `/api/v1/sessions/${session.id}`);
    return c.json(session, status as 201);
  });

  app.openapi(updateSession, async (c) => {
    const { orgId } = authorize(c, 'sessions:write');
    const body = c.req.valid('json');
    const updated = await mutate(c, services, (trx) =>
      reportSessionProgress(trx, orgId, c.req.valid('param').session_id, body),
    );
    return c.json(sessionToApi(updated), 200);
  });

  app.openapi(addSessionEvent, async (c) => {
    const { orgId } = authorize(c, 'sessions:write');
    const { session_id } = c.req.valid('param');
    const event = await mutate(c, services, (trx) =>
      insertSessionEvent(trx, orgId, session_id, c.req.valid('json')),
    );
    return c.json(eventToApi(event), 201);
  });

  return app;
}
