/**
 * `POST /api/v1/auth/web-identity`: a program (a CI job) trades an OIDC token of an issuer that a service
 * account trusts for a short-lived token of that account, with no long-lived secret stored anywhere. Takes no
 * bearer token; rate limited per client address. Every refusal is one and the same 401 (which check failed
 * would tell a stranger how the account is configured); the organization's audit log says why.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { decodeJwt } from 'jose';
import { type AuditContext, appendAudit } from '../platform/db/audit-log.js';
import { errors, jsonBody, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { auditedChange, clientIp } from '../platform/http/mutation.js';
import { ApiError } from '../platform/http/problem.js';
import { rateLimit } from '../platform/http/rate-limit.js';
import { unstorable } from '../platform/http/storable-text.js';
import { findServiceAccount, type ServiceAccountRow } from '../service-accounts/service-account-store.js';
import type { Services } from '../services.js';
import { issueToken } from '../tokens/token-store.js';
import { WebIdentityExchange, WebIdentityToken } from './web-identity-schemas.js';
import { webIdentitiesOf } from './web-identity-store.js';
import { type Refusal, WebIdentityVerifier } from './web-identity-verifier.js';

export const WEB_IDENTITY_PATH = '/api/v1/auth/web-identity';
/** How long an exchanged token lives: a CI job exchanges a fresh OIDC token when it needs another. */
export const WEB_IDENTITY_TOKEN_TTL_SECONDS = 15 * 60;
const EXCHANGES_PER_MINUTE = 30;
const REFUSED = 'the web identity token was refused';

const exchange = createRoute({
  method: 'post',
  path: '/auth/web-identity',
  operationId: 'exchangeWebIdentityToken',
  summary: 'Exchange an OIDC token for a service account token',
  description:
    'Trades a signed OIDC token (JWT) of an issuer the service account trusts (its web identities) for a ' +
    `token of the account that lives ${WEB_IDENTITY_TOKEN_TTL_SECONDS / 60} minutes, whatever the OIDC token's ` +
    'own expiry. The token must be signed with an asymmetric algorithm by a key of the issuer’s JWKS (found ' +
    'through OIDC discovery), be within its `nbf` and `exp` (30 seconds of clock skew), name the trust’s ' +
    'audience in `aud`, and carry a `sub` and claims that match the trust. Any refusal is the same 401. Takes ' +
    'no bearer token; rate limited per client address.',
  tags: ['Service accounts'],
  security: [],
  request: { body: jsonBody(WebIdentityExchange) },
  responses: {
    200: jsonResponse(WebIdentityToken, 'The service account token.'),
    ...errors(400, 401, 413, 415, 429),
  },
});

/** What the audit log may hold of a token's text: storable, and bounded. */
const storable = (text: unknown) =>
  typeof text === 'string' && unstorable(text) === undefined ? text.slice(0, 256) : undefined;

export function webIdentityExchangeRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const verifier = new WebIdentityVerifier();

  // A request with no peer address never came over the network (in-process callers such as tests).
  const byAddress = (c: Context<AppEnv>) => clientIp(c) ?? undefined;
  app.use('/auth/web-identity', rateLimit({ limit: EXCHANGES_PER_MINUTE, windowMs: 60_000, key: byAddress }));

  app.openapi(exchange, async (c) => {
    const body = c.req.valid('json');
    c.header('cache-control', 'no-store');
    const org = await services.db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('name', '=', body.organization)
      .executeTakeFirst();
    if (!org) {
      c.get('logger')?.info({ reason: 'unknown_organization' }, 'web identity token refused');
      throw new ApiError('unauthenticated', REFUSED);
    }
    const context: AuditContext = {
      orgId: org.id,
      actor: 'web_identity',
      ip: clientIp(c),
      requestId: c.get('requestId') ?? null,
      clientRequestId: c.get('clientRequestId') ?? null,
    };
    const refuse = async (reason: Refusal | 'unknown_service_account', details: Record<string, unknown>) => {
      await services.db.transaction().execute((trx) =>
        appendAudit(trx, context, {
          action: 'service_account.web_identity.refuse',
          resource_type: 'service_account',
          resource_id: (details.service_account_id as string | undefined) ?? null,
          details: { reason, ...details },
        }),
      );
      return new ApiError('unauthenticated', REFUSED);
    };

    const account: ServiceAccountRow | undefined = await findServiceAccount(
      services.db,
      org.id,
      body.service_account,
    ).catch((error: unknown) => {
      if (error instanceof ApiError && error.kind === 'not_found') return undefined;
      throw error;
    });
    if (!account) throw await refuse('unknown_service_account', {});
    const named = { service_account: account.name, service_account_id: account.id };
    const trusts = await webIdentitiesOf(services.db, org.id, account.id);
    const verdict = await verifier.verify(trusts, body.token);
    if (!verdict.ok) {
      const issuer = verdict.issuer ?? storable(safeIssuer(body.token));
      throw await refuse(verdict.reason, { ...named, ...(issuer !== undefined && { issuer }) });
    }

    const expiresAt = new Date(Date.now() + WEB_IDENTITY_TOKEN_TTL_SECONDS * 1000);
    const issued = await auditedChange(
      services,
      { ...context, actor: `service_account:${account.name}` },
      async (trx, audit) => {
        // The trust and the account as they are now: a trust deleted (or an account changed) since the check
        // above decides, not the copy read before it.
        const trust = await trx
          .selectFrom('service_account_web_identities')
          .select(['id', 'name'])
          .where('id', '=', verdict.trust.id)
          .where('org_id', '=', org.id)
          .forUpdate()
          .executeTakeFirst();
        const current = await trx
          .selectFrom('service_accounts')
          .select(['id', 'name', 'role'])
          .where('id', '=', account.id)
          .where('org_id', '=', org.id)
          .executeTakeFirst();
        if (!trust || !current) return undefined;
        const { row, secret } = await issueToken(trx, {
          orgId: org.id,
          kind: 'service_account',
          name: `web identity ${trust.name}`,
          role: current.role,
          serviceAccountId: current.id,
          expiresAt,
          webIdentityId: trust.id,
        });
        const subject = storable(verdict.claims.sub);
        await audit({
          action: 'service_account.web_identity.exchange',
          resource_type: 'service_account',
          resource_id: current.id,
          details: {
            service_account: current.name,
            web_identity: trust.name,
            issuer: verdict.trust.issuer,
            ...(subject !== undefined && { subject }),
            token_id: row.id,
            expires_at: expiresAt.toISOString(),
          },
        });
        return { secret, name: current.name, role: current.role };
      },
    );
    if (!issued) throw await refuse('untrusted_issuer', named);
    return c.json(
      WebIdentityToken.parse({
        access_token: issued.secret,
        token_type: 'Bearer',
        expires_in: WEB_IDENTITY_TOKEN_TTL_SECONDS,
        expires_at: expiresAt.toISOString(),
        organization: org.name,
        service_account: issued.name,
        role: issued.role,
      }),
      200,
    );
  });

  return app;
}

/** The `iss` a token claims, unverified: only for the audit log of a refusal (what did the job send?). */
function safeIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
