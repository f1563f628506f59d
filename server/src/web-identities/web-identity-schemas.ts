/**
 * Trusted web identities of a service account (an OIDC issuer, the audience its tokens must name, the subject
 * and other claims they must carry), and the exchange of such a token for a short-lived token of the account.
 */
import { z } from '@hono/zod-openapi';
import { Issuer } from '../identity-providers/identity-provider-schemas.js';
import { Role } from '../members/member-schemas.js';
import { DnsName, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';
import { namesSomething } from './claim-pattern.js';

/** Claims the exchange checks by itself: a trust cannot require other values for them. */
const CHECKED_CLAIMS = new Set(['iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'jti']);

const Pattern = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
  .refine(namesSomething, 'must name something besides `*`');

const Audience = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .openapi({ example: 'https://border0.example.com' });

const ClaimName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be a claim name: printable ASCII, no spaces')
  .refine(
    (name) => !CHECKED_CLAIMS.has(name),
    'is checked by the exchange itself (use issuer, audience, subject)',
  );

const Claims = z
  .record(ClaimName, Pattern)
  .refine((claims) => Object.keys(claims).length <= 16, 'at most 16 claims')
  .openapi({
    description: 'Further claims the token must carry, each a string matching its pattern.',
    example: { repository: 'acme/app' },
  });

export const WebIdentity = z
  .object({
    id: Id,
    name: DnsName,
    issuer: z.string(),
    audience: z.string(),
    subject: z.string(),
    claims: z.record(z.string(), z.string()),
    created_at: Timestamp,
  })
  .openapi('WebIdentity', {
    description:
      'An OIDC issuer the service account trusts: a token it signed whose `aud` names `audience`, whose `sub` ' +
      'matches `subject` and whose other claims match `claims` is exchanged for a token of the account.',
  });

export const WebIdentityPage = pageOf(WebIdentity, 'WebIdentityPage');

export const WebIdentityCreate = z
  .strictObject({
    name: DnsName,
    issuer: Issuer.openapi({
      description: 'The issuer (`iss`) exactly, an https URL; its keys are found through OIDC discovery.',
      example: 'https://token.actions.githubusercontent.com',
    }),
    audience: Audience.openapi({ description: 'What the token’s `aud` must name (exactly).' }),
    subject: Pattern.openapi({
      description: 'What the token’s `sub` must be; `*` stands for any run of characters.',
      example: 'repo:acme/app:ref:refs/heads/main',
    }),
    claims: Claims.optional(),
  })
  .openapi('WebIdentityCreate');

export const WebIdentityExchange = z
  .strictObject({
    organization: DnsName.openapi({ description: 'The organization of the service account (its name).' }),
    service_account: z
      .string()
      .min(1)
      .max(63)
      .openapi({ description: 'The service account’s id or name.', example: 'deploy-bot' }),
    token: z
      .string()
      .min(1)
      .max(16 * 1024)
      .openapi({ description: 'The OIDC token (a signed JWT) of a trusted issuer.', example: 'eyJhbGciOi…' }),
  })
  .openapi('WebIdentityExchange');

export const WebIdentityToken = z
  .object({
    access_token: z
      .string()
      .openapi({ description: 'A service account token, for `Authorization: Bearer`.' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds the token lives.', example: 900 }),
    expires_at: Timestamp,
    organization: z.string(),
    service_account: z.string(),
    role: Role,
  })
  .openapi('WebIdentityToken');
