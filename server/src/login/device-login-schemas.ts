/** Bodies of device login (RFC 8628). Errors of the token endpoint use the RFC's JSON shape. */
import { z } from '@hono/zod-openapi';
import { Timestamp } from '../platform/http/common-schemas.js';
import { DEVICE_GRANT_TYPE } from './device-login-store.js';

export const DeviceAuthorizationRequest = z
  .strictObject({
    organization: z.string().min(1).max(63).optional().openapi({
      description: 'The organization to log in to, by name; the person’s first one when absent.',
    }),
  })
  .openapi('DeviceAuthorizationRequest');

export const DeviceAuthorization = z
  .object({
    device_code: z.string().openapi({ description: 'Secret: the client polls with it.' }),
    user_code: z
      .string()
      .openapi({ example: 'BDFG-HJKL', description: 'What the person enters on the page.' }),
    verification_uri: z.string().openapi({ example: 'https://border0.example/device' }),
    verification_uri_complete: z
      .string()
      .openapi({ example: 'https://border0.example/device?user_code=BDFG-HJKL' }),
    expires_in: z.number().int().openapi({ example: 600 }),
    interval: z.number().int().openapi({ example: 2, description: 'Seconds to wait between polls.' }),
  })
  .openapi('DeviceAuthorization');

export const REFRESH_GRANT_TYPE = 'refresh_token';

export const DeviceTokenRequest = z
  .discriminatedUnion('grant_type', [
    z.strictObject({
      grant_type: z.literal(DEVICE_GRANT_TYPE),
      device_code: z.string().min(1).max(200),
    }),
    z.strictObject({
      grant_type: z.literal(REFRESH_GRANT_TYPE),
      refresh_token: z.string().min(1).max(200),
    }),
  ])
  .openapi('DeviceTokenRequest', {
    description: 'Either a poll of a device login (its device code) or a refresh (the last refresh token).',
  });

export const DeviceToken = z
  .object({
    access_token: z.string().openapi({ description: 'A person’s token (shown once), short-lived.' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ example: 3600, description: 'Seconds the access token lives.' }),
    refresh_token: z.string().openapi({
      description:
        'Single use: trade it for the next pair before the login ends. Using one twice ends the login.',
    }),
    login_expires_at: Timestamp.openapi({ description: 'When the login ends; refreshing stops there.' }),
    organization: z.string().openapi({ example: 'acme' }),
    email: z.string().openapi({ example: 'alice@acme.dev', description: 'Who approved the login.' }),
  })
  .openapi('DeviceToken');

export const TokenRevocationRequest = z
  .strictObject({
    token: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'The login’s refresh token or current access token.' }),
  })
  .openapi('TokenRevocationRequest');

export const DeviceTokenError = z
  .object({
    error: z.enum(['authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'invalid_grant']),
    error_description: z.string().optional(),
  })
  .openapi('DeviceTokenError', { description: 'An error of the token endpoint (RFC 8628 §3.5).' });
