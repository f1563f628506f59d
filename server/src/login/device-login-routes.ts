/**
 * Device login (RFC 8628) for `border0 client login`: start a login (`POST /auth/device`), poll for its
 * tokens and refresh them (`POST /auth/token`), and end it (`POST /auth/revoke`, RFC 7009). None takes a
 * bearer token; the person approves on the `/device` page. Each is rate limited per client address.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { ERROR_RESPONSES, errors, jsonBody } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { clientIp } from '../platform/http/mutation.js';
import { rateLimit } from '../platform/http/rate-limit.js';
import type { Services } from '../services.js';
import {
  DeviceAuthorization,
  DeviceAuthorizationRequest,
  DeviceToken,
  DeviceTokenError,
  DeviceTokenRequest,
  TokenRevocationRequest,
} from './device-login-schemas.js';
import {
  DEVICE_CODE_TTL_SECONDS,
  POLL_INTERVAL_SECONDS,
  pollDeviceLogin,
  startDeviceLogin,
} from './device-login-store.js';
import { type LoginTokens, refreshLogin, revokeLoginOf } from './login-token-store.js';

const tags = ['Device login'];

/** The paths the bearer middleware lets through without a token: exactly these three. */
export const PUBLIC_API_PATHS = new Set(['/api/v1/auth/device', '/api/v1/auth/token', '/api/v1/auth/revoke']);

/** Per client address and minute: logins started, and token requests (polls every 2 s fit easily). */
const STARTS_PER_MINUTE = 10;
const TOKEN_REQUESTS_PER_MINUTE = 60;

const startLogin = createRoute({
  method: 'post',
  path: '/auth/device',
  operationId: 'startDeviceLogin',
  summary: 'Start a device login',
  description:
    'Starts a login of a client (RFC 8628 device authorization). The person opens `verification_uri` and ' +
    'enters `user_code` (or opens `verification_uri_complete`) and approves with email and password; the ' +
    'client polls `POST /auth/token` every `interval` seconds. Takes no token.',
  tags,
  security: [],
  request: { body: jsonBody(DeviceAuthorizationRequest, { organization: 'acme' }) },
  responses: {
    200: { description: 'Started.', content: { 'application/json': { schema: DeviceAuthorization } } },
    ...errors(400, 413, 415, 429),
  },
});

const requestToken = createRoute({
  method: 'post',
  path: '/auth/token',
  operationId: 'requestDeviceToken',
  summary: 'Poll for the tokens of a device login, or refresh them',
  description:
    'With `grant_type` `urn:ietf:params:oauth:grant-type:device_code`: answers 400 with an RFC 8628 error ' +
    '(`authorization_pending`, `slow_down` — polled faster than the interval, which then grows by 5 seconds — ' +
    '`access_denied`, `expired_token`, or `invalid_grant` for an unknown or used device code) until the person ' +
    'approves, then once the tokens: a person’s access token of the member’s role valid for one hour and a ' +
    'refresh token. With `grant_type` `refresh_token`: trades the refresh token for the next pair (the old ' +
    'one is spent; presenting a spent one ends the whole login) until the login ends after 30 days; ' +
    '`invalid_grant` otherwise. Takes no bearer token.',
  tags,
  security: [],
  request: {
    body: jsonBody(DeviceTokenRequest, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS',
    }),
  },
  responses: {
    200: { description: 'Approved: the token.', content: { 'application/json': { schema: DeviceToken } } },
    400: {
      description: 'Not (yet) approved (RFC 8628 error), or an invalid request (problem).',
      content: {
        'application/json': {
          schema: DeviceTokenError,
          example: { error: 'authorization_pending', error_description: 'waiting for the person to approve' },
        },
        ...ERROR_RESPONSES[400].content,
      },
    },
    ...errors(413, 415, 429),
  },
});

const revokeToken = createRoute({
  method: 'post',
  path: '/auth/revoke',
  operationId: 'revokeLogin',
  summary: 'End a device login',
  description:
    'Ends the login that the given refresh token or access token belongs to (RFC 7009): its refresh token and ' +
    'access tokens stop working at once. Answers 204 also for unknown tokens. Takes no bearer token.',
  tags,
  security: [],
  request: { body: jsonBody(TokenRevocationRequest, { token: 'b0r_8f3k2j5h7g9d1s4a6q0w2e4r6t8y' }) },
  responses: { 204: { description: 'The login (if any) ended.' }, ...errors(400, 413, 415, 429) },
});

const tokenBody = (tokens: LoginTokens) => ({
  access_token: tokens.accessToken,
  token_type: 'Bearer' as const,
  expires_in: tokens.expiresIn,
  refresh_token: tokens.refreshToken,
  login_expires_at: tokens.loginExpiresAt.toISOString(),
  organization: tokens.organization,
  email: tokens.email,
});

export function deviceLoginRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  // A request with no peer address never came over the network (in-process callers such as tests).
  const byAddress = (c: Parameters<typeof clientIp>[0]) => clientIp(c) ?? undefined;
  app.use('/auth/device', rateLimit({ limit: STARTS_PER_MINUTE, windowMs: 60_000, key: byAddress }));
  app.use('/auth/token', rateLimit({ limit: TOKEN_REQUESTS_PER_MINUTE, windowMs: 60_000, key: byAddress }));
  app.use('/auth/revoke', rateLimit({ limit: TOKEN_REQUESTS_PER_MINUTE, windowMs: 60_000, key: byAddress }));

  app.openapi(startLogin, async (c) => {
    const { organization } = c.req.valid('json');
    const { deviceCode, userCode } = await startDeviceLogin(services.db, organization);
    const verificationUri = `${new URL(c.req.url).origin}/device`;
    return c.json(
      {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
        expires_in: DEVICE_CODE_TTL_SECONDS,
        interval: POLL_INTERVAL_SECONDS,
      },
      200,
    );
  });

  app.openapi(requestToken, async (c) => {
    const body = c.req.valid('json');
    c.header('cache-control', 'no-store');
    if (body.grant_type === 'refresh_token') {
      const refreshed = await refreshLogin(services.db, body.refresh_token, clientIp(c));
      if (!refreshed.ok)
        return c.json({ error: 'invalid_grant' as const, error_description: refreshed.description }, 400);
      return c.json(tokenBody(refreshed.tokens), 200);
    }
    const result = await pollDeviceLogin(services.db, body.device_code, clientIp(c));
    if (!result.ok) return c.json({ error: result.error, error_description: result.description }, 400);
    return c.json(tokenBody(result.tokens), 200);
  });

  app.openapi(revokeToken, async (c) => {
    await revokeLoginOf(services.db, c.req.valid('json').token, clientIp(c));
    return c.body(null, 204);
  });

  return app;
}
