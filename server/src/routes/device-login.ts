/**
 * Device login (RFC 8628) for `border0 client login`: start a login (`POST /auth/device`) and poll for its
 * token (`POST /auth/token`). Both take no token; the person approves on the `/device` page.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  DEVICE_CODE_TTL_SECONDS,
  DEVICE_TOKEN_TTL_SECONDS,
  POLL_INTERVAL_SECONDS,
  pollDeviceLogin,
  startDeviceLogin,
} from '../auth/device-login.js';
import type { AppEnv } from '../http/env.js';
import { clientIp } from '../http/mutation.js';
import { ERROR_RESPONSES, errors, jsonBody } from '../schemas/common.js';
import {
  DeviceAuthorization,
  DeviceAuthorizationRequest,
  DeviceToken,
  DeviceTokenError,
  DeviceTokenRequest,
} from '../schemas/device-login.js';
import type { Services } from '../services.js';

const tags = ['Device login'];

/** The paths the bearer middleware lets through without a token: exactly these two. */
export const PUBLIC_API_PATHS = new Set(['/api/v1/auth/device', '/api/v1/auth/token']);

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
  request: { body: jsonBody(DeviceAuthorizationRequest) },
  responses: {
    200: { description: 'Started.', content: { 'application/json': { schema: DeviceAuthorization } } },
    ...errors(400, 413, 415),
  },
});

const requestToken = createRoute({
  method: 'post',
  path: '/auth/token',
  operationId: 'requestDeviceToken',
  summary: 'Poll for the token of a device login',
  description:
    'Answers 400 with an RFC 8628 error (`authorization_pending`, `slow_down` — polled faster than the ' +
    'interval, which then grows by 5 seconds — `access_denied`, `expired_token`, or `invalid_grant` for an ' +
    'unknown or used device code) until the person approves, then once the token: a person’s token of the ' +
    'member’s role valid for 12 hours. There are no refresh tokens yet: log in again when it expires. ' +
    'Takes no token.',
  tags,
  security: [],
  request: { body: jsonBody(DeviceTokenRequest) },
  responses: {
    200: { description: 'Approved: the token.', content: { 'application/json': { schema: DeviceToken } } },
    400: {
      description: 'Not (yet) approved (RFC 8628 error), or an invalid request (problem).',
      content: {
        'application/json': { schema: DeviceTokenError },
        ...ERROR_RESPONSES[400].content,
      },
    },
    ...errors(413, 415),
  },
});

export function deviceLoginRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

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
    const result = await pollDeviceLogin(services.db, c.req.valid('json').device_code, clientIp(c));
    c.header('cache-control', 'no-store');
    if (!result.ok) return c.json({ error: result.error, error_description: result.description }, 400);
    return c.json(
      {
        access_token: result.accessToken,
        token_type: 'Bearer' as const,
        expires_in: DEVICE_TOKEN_TTL_SECONDS,
        organization: result.organization,
        email: result.email,
      },
      200,
    );
  });

  return app;
}
