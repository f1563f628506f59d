/**
 * /api/v1/sessions: connections of identities to sockets, as the proxies report them; admins list, inspect
 * and terminate them, members see their own; their recordings are in recordings.ts. Sessions, their events
 * and recordings are evidence: only the proxy that carries a session writes them (proxy-sessions.ts), and no
 * token of an organization can, whatever its role.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authorize } from '../platform/auth/authorize.js';
import { errors, jsonResponse, PageQuery, pageOf } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { mutate } from '../platform/http/mutation.js';
import { decodeCursor, decodeNumericCursor, toPage } from '../platform/http/pagination.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { ownIdentity, readableSession } from './session-access.js';
import {
  eventToApi,
  Session,
  SessionEvent,
  SessionListQuery,
  SessionParams,
  sessionToApi,
} from './session-schemas.js';
import { findSession, listSessionEventRows, listSessionRows, requestTermination } from './session-store.js';

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
const getSession = createRoute({
  tags,
  method: 'get',
  path: '/sessions/{session_id}',
  operationId: 'getSession',
  summary: 'Get a session',
  request: { params: SessionParams },
  responses: { 200: jsonResponse(Session, 'The session.'), ...errors(400, 401, 403, 404) },
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
export function sessionRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  const readable = (c: Context<AppEnv>, id: string) => readableSession(c, services, id);

  app.openapi(listSessions, async (c) => {
    const principal = authorize(c, 'sessions:read_own');
    const own = await ownIdentity(services, principal);
    const q = c.req.valid('query');
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) throw invalid('from', 'is after `to`');
    const { cursor, limit, ...filters } = q;
    const before = decodeCursor(cursor);
    const rows = await listSessionRows(services.db, principal.orgId, own, { before, limit }, filters);
    return c.json(toPage(rows, q.limit, sessionToApi), 200);
  });

  app.openapi(getSession, async (c) =>
    c.json(sessionToApi((await readable(c, c.req.valid('param').session_id)).session), 200),
  );

  app.openapi(listSessionEvents, async (c) => {
    const { session } = await readable(c, c.req.valid('param').session_id);
    const q = c.req.valid('query');
    const after = decodeNumericCursor(q.cursor);
    const rows = await listSessionEventRows(services.db, session, { after, limit: q.limit });
    const events = rows.map((r) => ({ ...r, id: String(r.id) }));
    return c.json(toPage(events, q.limit, eventToApi), 200);
  });

  app.openapi(terminateSession, async (c) => {
    const { orgId } = authorize(c, 'sessions:write');
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await findSession(trx, orgId, c.req.valid('param').session_id);
      if (row.ended_at !== null) throw new ApiError('conflict', `session ${row.id} has already ended`);
      await requestTermination(trx, row);
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

  return app;
}
