/** API tokens: metadata only, except once at creation when the secret is returned. */
import { z } from '@hono/zod-openapi';
import { Role } from '../members/member-schemas.js';
import { Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

export const TokenKind = z.enum(['admin', 'service_account', 'connector']).openapi('TokenKind');

const TokenName = z.string().min(1).max(100).openapi({ example: 'ci deploy' });

export const Token = z
  .object({
    id: Id,
    name: TokenName,
    kind: TokenKind,
    role: Role,
    expires_at: Timestamp.nullable(),
    last_used_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .openapi('Token');

export const TokenPage = pageOf(Token, 'TokenPage');

export const TokenCreated = Token.extend({
  token: z.string().openapi({
    description: 'The secret, for `Authorization: Bearer`. Shown once: only its digest is stored.',
    example: 'b0s_…',
  }),
}).openapi('TokenCreated');

const ExpiresAt = Timestamp.optional().openapi({
  description: 'When the token stops working: in the future, at most one year ahead. Default: 90 days.',
});

export const TokenCreate = z.strictObject({ name: TokenName, expires_at: ExpiresAt }).openapi('TokenCreate');

export const AdminTokenCreate = z
  .strictObject({
    name: TokenName,
    role: Role,
    expires_at: ExpiresAt,
  })
  .openapi('AdminTokenCreate', { description: 'A token of the caller; `role` is at most the caller’s own.' });
