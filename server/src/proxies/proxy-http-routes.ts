/**
 * What a proxy asks about the people behind HTTP sockets: who presents a token (a person's or service
 * account's API token, or a web session), with an identity token for the upstream; and the trade of a login
 * code for a web session. Proxy tokens only. Only identity is answered here: the proxy decides policy.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { identityIssuer, type Subject, signIdentityToken } from '../identity-tokens/identity-token.js';
import { findPrincipal } from '../platform/auth/authenticate.js';
import { authorizeProxy } from '../platform/auth/authorize.js';
import { errors, IDEMPOTENT, jsonBody, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { ApiError, notFound } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { findSocketByDnsname } from '../sockets/socket-store.js';
import { findWebSession, redeemWebLoginCode } from '../web-login/web-session-store.js';
import { HttpIdentity, HttpIdentityRequest, WebSession, WebSessionRequest } from './proxy-http-schemas.js';
import { PROXY_TAG } from './proxy-routes.js';

/** How long a proxy may reuse an identity: revocation still ends access within seconds. */
export const IDENTITY_CACHE_SECONDS = 5;

const identify = createRoute({
  tags: [PROXY_TAG],
  method: 'post',
  path: '/proxy/http-identity',
  operationId: 'identifyHttpRequest',
  summary: 'Find who a request to an HTTP socket comes from',
  description:
    'Give exactly one of `bearer_token` (a person’s or service account’s API token) and `web_session_token`. ' +
    '401 when the token is unknown, expired, revoked or logged out, or belongs to another organization than ' +
    'the socket’s; 404 when `host` is not an HTTP socket. The answer carries an identity token for the ' +
    'upstream and how long it may be reused.',
  // Reads (and signs a fresh identity token): safe to repeat.
  ...IDEMPOTENT,
  request: {
    body: jsonBody(HttpIdentityRequest, {
      host: 'grafana-acme.border0.example',
      web_session_token: 'b0ws_Zk3m9Q2xV7pL4tR8yN1c',
    }),
  },
  responses: {
    200: jsonResponse(HttpIdentity, 'Who it is.'),
    ...errors(400, 401, 403, 404, 413, 415),
  },
});

const createWebSession = createRoute({
  tags: [PROXY_TAG],
  method: 'post',
  path: '/proxy/web-sessions',
  operationId: 'createWebSession',
  summary: 'Trade a login code for a web session',
  description:
    'The code of `/.border0/callback?code=…` is one-time, lives 60 s and is bound to the host it was issued ' +
    'for: any other use is a 401 and spends it. The web session token ends with the browser login (logout, ' +
    'logout everywhere, its expiry) and when the person leaves the organization.',
  request: {
    body: jsonBody(WebSessionRequest, {
      code: 'b0wc_Jd8sK2mX5qP9vL3tR7yN',
      host: 'grafana-acme.border0.example',
    }),
  },
  responses: {
    201: jsonResponse(WebSession, 'The web session.'),
    ...errors(400, 401, 403, 413, 415),
  },
});

export function proxyHttpRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets, baseDomain } = services;

  app.openapi(identify, async (c) => {
    authorizeProxy(c);
    const body = c.req.valid('json');
    const given = [body.bearer_token, body.web_session_token].filter((t) => t !== undefined).length;
    if (given !== 1) {
      const message = 'give exactly one of bearer_token and web_session_token';
      throw new ApiError('validation', message, [
        { field: 'bearer_token', message },
        { field: 'web_session_token', message },
      ]);
    }
    const socket = await findSocketByDnsname(db, body.host, baseDomain);
    if (socket?.socket_type !== 'http') throw notFound(`HTTP socket ${body.host}`);

    let subject: Subject | undefined;
    if (body.bearer_token !== undefined) {
      const principal = await findPrincipal(services, body.bearer_token);
      if (principal && principal.orgId === socket.org_id) {
        // actor is `user:<email>` or `service_account:<name>` (authenticate.ts).
        if (principal.kind === 'admin') subject = { email: principal.actor.slice('user:'.length) };
        if (principal.kind === 'service_account') {
          subject = { serviceAccount: principal.actor.slice('service_account:'.length) };
        }
      }
    } else {
      const session = await findWebSession(db, body.web_session_token!, body.host);
      if (session && session.orgId === socket.org_id) subject = { email: session.email };
    }
    if (!subject) {
      throw new ApiError(
        'unauthenticated',
        'the token is unknown, expired, revoked or logged out, or is not of the socket’s organization',
      );
    }
    const apiBase = services.publicUrl ?? new URL(c.req.url).origin;
    const signed = await signIdentityToken(db, secrets, {
      orgId: socket.org_id,
      issuer: identityIssuer(apiBase, socket.org_id),
      audience: body.host,
      subject,
    });
    c.header('cache-control', 'no-store');
    return c.json(
      HttpIdentity.parse({
        organization_id: socket.org_id,
        socket_id: socket.id,
        ...('email' in subject ? { user_email: subject.email } : { service_account: subject.serviceAccount }),
        identity_token: signed.token,
        identity_token_expires_at: signed.expiresAt.toISOString(),
        cache_seconds: IDENTITY_CACHE_SECONDS,
      }),
      200,
    );
  });

  app.openapi(createWebSession, async (c) => {
    authorizeProxy(c);
    const { code, host } = c.req.valid('json');
    const redeemed = await redeemWebLoginCode(db, code, host);
    if (!redeemed.ok) throw new ApiError('unauthenticated', redeemed.reason);
    c.header('cache-control', 'no-store');
    return c.json(
      WebSession.parse({
        web_session_token: redeemed.token,
        expires_at: redeemed.expiresAt.toISOString(),
      }),
      201,
    );
  });

  return app;
}
