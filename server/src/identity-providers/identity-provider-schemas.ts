/** OIDC identity providers of an organization: people log in to its HTTP sockets through them. */
import { z } from '@hono/zod-openapi';
import { DnsName, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

export const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
export const DEFAULT_EMAIL_CLAIM = 'email';
export const DEFAULT_GROUPS_CLAIM = 'groups';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `issuer` may be reached over plain HTTP: only on this machine (labs and tests). */
export const isLoopbackIssuer = (issuer: URL) => issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);

/** An issuer: an https URL (http only on loopback) without query, fragment or credentials. */
export const Issuer = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      if (url.search || url.hash || url.username || url.password) return false;
      return url.protocol === 'https:' || isLoopbackIssuer(url);
    } catch {
      return false;
    }
  }, 'must be an https URL without query or fragment (http only on loopback)')
  .openapi({ example: 'https://accounts.example.com' });

// OAuth's scope-token (RFC 6749 §3.3): printable ASCII without space, `"` or `\`.
const Scope = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token: printable ASCII, no spaces');
const Scopes = z
  .array(Scope)
  .min(1)
  .max(32)
  .refine((scopes) => scopes.includes('openid'), 'must include openid')
  .openapi({ example: DEFAULT_SCOPES });
const Claim = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be a claim name: printable ASCII, no spaces');
const ClientId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');
const ClientSecret = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');
const DisplayName = z.string().min(1).max(100);

export const IdentityProvider = z
  .object({
    id: Id,
    name: DnsName,
    display_name: z.string().nullable().openapi({ description: 'The label of the login button.' }),
    issuer: z.string(),
    client_id: z.string(),
    client_secret_set: z
      .boolean()
      .openapi({ description: 'Whether a client secret is stored (it is write-only: never returned).' }),
    scopes: z.array(z.string()),
    email_claim: z.string(),
    groups_claim: z.string(),
    enabled: z.boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('IdentityProvider');

export const IdentityProviderPage = pageOf(IdentityProvider, 'IdentityProviderPage');

export const IdentityProviderCreate = z
  .strictObject({
    name: DnsName,
    display_name: DisplayName.optional(),
    issuer: Issuer,
    client_id: ClientId,
    client_secret: ClientSecret.optional().openapi({
      description: 'Stored sealed and never returned; without one the client is public (PKCE only).',
    }),
    scopes: Scopes.optional().openapi({ description: 'Default `openid email profile`.' }),
    email_claim: Claim.optional().openapi({ description: 'Default `email`.' }),
    groups_claim: Claim.optional().openapi({
      description: 'Default `groups`: the names of organization groups the person is in.',
    }),
    enabled: z.boolean().optional().openapi({ description: 'Default true.' }),
  })
  .openapi('IdentityProviderCreate');

export const IdentityProviderUpdate = z
  .strictObject({
    name: DnsName.optional(),
    display_name: DisplayName.nullable().optional(),
    issuer: Issuer.optional(),
    client_id: ClientId.optional(),
    client_secret: ClientSecret.nullable()
      .optional()
      .openapi({ description: 'A new secret, or null to remove it.' }),
    scopes: Scopes.optional(),
    email_claim: Claim.optional(),
    groups_claim: Claim.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('IdentityProviderUpdate');
