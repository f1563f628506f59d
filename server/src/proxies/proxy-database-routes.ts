/**
 * What a proxy asks about a database socket's upstream while it carries a live session: the login (the
 * socket's user and stored password, and how to verify the upstream's TLS). Scoped to a live, allowed session
 * of this proxy: the secret goes out only while one runs, and the client never sees it.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { authorizeProxy } from '../platform/auth/authorize.js';
import { errors, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { ApiError } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { SessionParams } from '../sessions/session-schemas.js';
import { liveSessionOfSocket } from './live-session-store.js';
import { DatabaseUpstreamCredentials } from './proxy-database-schemas.js';
import { PROXY_TAG } from './proxy-routes.js';

const getDatabaseUpstream = createRoute({
  tags: [PROXY_TAG],
  method: 'post',
  path: '/proxy/sessions/{session_id}/database-upstream',
  operationId: 'getDatabaseUpstreamCredentials',
  summary: 'Get the login to a database socket’s upstream for a live session',
  description: 'The session must be live, allowed, opened by this proxy, and of a database socket.',
  request: { params: SessionParams },
  responses: {
    200: jsonResponse(DatabaseUpstreamCredentials, 'The login.'),
    ...errors(401, 403, 404, 409),
  },
});

interface DatabaseUpstream {
  protocol: 'postgres' | 'mysql';
  hostname: string;
  port: number;
  authentication_type: 'username_and_password' | 'tls' | 'no_auth';
  username?: string;
  database?: string;
  tls?: {
    enabled?: boolean;
    verify?: 'full' | 'ca' | 'none';
    ca_certificate?: string;
    client_certificate?: string;
  };
}

export function proxyDatabaseRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets } = services;

  app.openapi(getDatabaseUpstream, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const session = await liveSessionOfSocket(db, session_id, proxy.tokenId, 'database');
    const upstream = session.upstream as unknown as DatabaseUpstream;
    const sealed = session.upstream_secrets
      ? (JSON.parse(secrets.open(session.upstream_secrets)) as { password?: string; private_key?: string })
      : {};
    if (upstream.authentication_type === 'username_and_password' && !sealed.password) {
      throw new ApiError('conflict', `the socket ${session.socket_name} has no password`);
    }
    c.header('cache-control', 'no-store');
    return c.json(
      DatabaseUpstreamCredentials.parse({
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        authentication_type: upstream.authentication_type,
        username: upstream.username ?? null,
        database: upstream.database ?? null,
        ...(upstream.authentication_type === 'username_and_password' && { password: sealed.password }),
        ...(upstream.tls?.client_certificate !== undefined &&
          sealed.private_key !== undefined && { private_key: sealed.private_key }),
        tls: {
          enabled: upstream.tls?.enabled ?? false,
          verify: upstream.tls?.verify ?? 'full',
          ...(upstream.tls?.ca_certificate !== undefined && { ca_certificate: upstream.tls.ca_certificate }),
          ...(upstream.tls?.client_certificate !== undefined && {
            client_certificate: upstream.tls.client_certificate,
          }),
        },
      }),
      200,
    );
  });

  return app;
}
