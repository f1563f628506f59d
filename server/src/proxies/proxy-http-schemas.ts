/** What a proxy asks about the people behind an HTTP socket: who a token is, and web sessions from logins. */
import { z } from '@hono/zod-openapi';
import { Id, Timestamp } from '../platform/http/common-schemas.js';

/** A socket's dnsname as a proxy saw it in `Host`: lower case, without a port. */
const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a host name in lower case, without a port')
  .openapi({ example: 'web-acme.border0.example' });

const Secret = z.string().min(1).max(512);

export const HttpIdentityRequest = z
  .strictObject({
    host: Host,
    bearer_token: Secret.optional().openapi({
      description: 'A token from `Authorization: Bearer`: a person’s or a service account’s API token.',
    }),
    web_session_token: Secret.optional().openapi({
      description: 'A web session token from `POST /proxy/web-sessions` (the proxy’s cookie).',
    }),
  })
  .openapi('HttpIdentityRequest', { description: 'Exactly one of `bearer_token` and `web_session_token`.' });

export const HttpIdentity = z
  .object({
    organization_id: Id,
    socket_id: Id,
    user_email: z.string().optional().openapi({ description: 'Set for a person.' }),
    service_account: z.string().optional().openapi({ description: 'Set for a service account: its name.' }),
    identity_token: z.string().openapi({
      description:
        'A JWT for the upstream (`X-Border0-Identity`), ES256, verifiable with ' +
        '`GET /organizations/{organization}/jwks`.',
    }),
    identity_token_expires_at: Timestamp,
    cache_seconds: z
      .number()
      .int()
      .openapi({ description: 'How long the proxy may reuse this answer before asking again.' }),
  })
  .openapi('HttpIdentity');

export const WebSessionRequest = z
  .strictObject({
    code: Secret.openapi({ description: 'The `code` of `/.border0/callback` (one-time, 60 s).' }),
    host: Host,
  })
  .openapi('WebSessionRequest');

export const WebSession = z
  .object({
    web_session_token: z
      .string()
      .openapi({ description: 'Bound to this host; ends with the browser login.' }),
    expires_at: Timestamp,
  })
  .openapi('WebSession');
