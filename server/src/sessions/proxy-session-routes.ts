/**
 * /api/v1/proxy/sessions: sessions as proxies report them, for any organization: the socket names it. The
 * same rules as the organization's `/sessions` (session-store.ts), audited in the socket's organization; and
 * the leases of the live sessions each proxy carries (session-lease-store.ts).
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { authorizeProxy } from '../platform/auth/authorize.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import { PROXY_TAG } from '../proxies/proxy-routes.js';
import { PROXY_HEARTBEAT_SECONDS } from '../proxies/proxy-store.js';
import type { Services } from '../services.js';
import { findSocket } from '../sockets/socket-store.js';
import { renewSessionLeases, sessionLeaseMs } from './session-lease-store.js';
import {
  eventToApi,
  ProxyLiveSessions,
  ProxySessionCreate,
  ProxySessionsToEnd,
  Session,
  SessionEvent,
  SessionEventCreate,
  SessionParams,
  SessionUpdate,
  sessionToApi,
} from './session-schemas.js';
import {
  checkSessionIdentity,
  insertSession,
  insertSessionEvent,
  proxySessionOrganization,
  reportSessionProgress,
  socketOrganization,
} from './session-store.js';

const tags = [PROXY_TAG];

const createProxySession = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions',
  operationId: 'createProxySession',
  summary: 'Report a new session',
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(ProxySessionCreate, {
      socket_id: '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e',
      user_email: 'alice@acme.dev',
      client_ip: '203.0.113.7',
      client_port: 52814,
      country: 'NL',
      result: 'allowed',
    }),
  },
  responses: { 201: jsonResponse(Session, 'The new session.'), ...errors(400, 401, 403, 413, 415, 422) },
});
const updateProxySession = createRoute({
  tags,
  method: 'patch',
  path: '/proxy/sessions/{session_id}',
  operationId: 'updateProxySession',
  summary: 'Report progress of a session',
  description: 'Byte counts are totals that never decrease; an ended session takes no more reports (409).',
  request: {
    params: SessionParams,
    body: jsonBody(SessionUpdate, { bytes_in: 18230, bytes_out: 402113, ended: true, result: 'allowed' }),
  },
  responses: { 200: jsonResponse(Session, 'The session.'), ...errors(400, 401, 403, 404, 409, 413, 415) },
});

const addProxySessionEvent = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions/{session_id}/events',
  operationId: 'addProxySessionEvent',
  summary: 'Report an event of a session',
  description: 'What happened inside a session: a command run, a channel refused, a file operation.',
  ...IDEMPOTENT,
  request: {
    params: SessionParams,
    headers: IdempotencyHeaders,
    body: jsonBody(SessionEventCreate, {
      type: 'ssh.exec',
      time: '2026-11-26T08:01:12.000Z',
      data: { command: 'uptime' },
    }),
  },
  responses: {
    201: jsonResponse(SessionEvent, 'The event.'),
    ...errors(400, 401, 403, 404, 413, 415, 422),
  },
});

const renewProxySessions = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions/live',
  operationId: 'renewProxySessions',
  summary: 'Re-assert the live sessions this proxy carries',
  description:
    'Call it with every heartbeat and whenever the event stream (re)connects. It renews the lease of each ' +
    'listed live session this proxy opened, and answers which of them to end now: those an administrator ' +
    'terminated (perhaps while the event stream was down), those the control plane already ended, and ' +
    'those it does not know as this proxy’s. A live session neither re-asserted nor reported on for ' +
    '`session_lease_seconds` (3.5 heartbeats) is ended by the control plane with its open recordings: its ' +
    'proxy stopped, restarted, was cut off, or lost its end report.',
  request: { body: jsonBody(ProxyLiveSessions, { session_ids: ['0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e'] }) },
  responses: {
    200: jsonResponse(ProxySessionsToEnd, 'The sessions to end.'),
    ...errors(400, 401, 403, 413, 415),
  },
});

export function proxySessionRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const noSocket = (id: string) => invalid('socket_id', `no socket ${id}`);

  app.openapi(createProxySession, async (c) => {
    const proxy = authorizeProxy(c);
    const { socket_id, ...body } = c.req.valid('json');
    checkSessionIdentity(body);
    const orgId = await socketOrganization(services.db, socket_id);
    if (!orgId) throw noSocket(socket_id);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      'createProxySession',
      { socket_id, ...body },
      async (trx, audit) => {
        const socket = await findSocket(trx, orgId, socket_id).catch((error: unknown) => {
          throw error instanceof ApiError && error.kind === 'not_found' ? noSocket(socket_id) : error;
        });
        return {
          status: 201,
          body: sessionToApi(await insertSession(trx, audit, socket, body, proxy.tokenId)),
        };
      },
      { orgId },
    );
    return c.json(created as z.infer<typeof Session>, status as 201);
  });

  app.openapi(renewProxySessions, async (c) => {
    const proxy = authorizeProxy(c);
    const end = await renewSessionLeases(services.db, proxy.tokenId, c.req.valid('json').session_ids);
    const leaseMs = sessionLeaseMs(services.proxyHeartbeatSeconds ?? PROXY_HEARTBEAT_SECONDS);
    return c.json(ProxySessionsToEnd.parse({ end, session_lease_seconds: leaseMs / 1000 }), 200);
  });

  app.openapi(updateProxySession, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const orgId = await proxySessionOrganization(services.db, session_id, proxy.tokenId);
    const updated = await mutate(
      c,
      services,
      (trx) => reportSessionProgress(trx, orgId, session_id, c.req.valid('json')),
      { orgId },
    );
    return c.json(sessionToApi(updated), 200);
  });

  app.openapi(addProxySessionEvent, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const orgId = await proxySessionOrganization(services.db, session_id, proxy.tokenId);
    const body = c.req.valid('json');
    const { status, body: event } = await createIdempotent(
      c,
      services,
      'addProxySessionEvent',
      body,
      async (trx) => ({
        status: 201,
        body: eventToApi(await insertSessionEvent(trx, orgId, session_id, body)),
      }),
      { orgId },
    );
    return c.json(event as z.infer<typeof SessionEvent>, status as 201);
  });

  return app;
}
