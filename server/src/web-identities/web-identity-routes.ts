/**
 * /api/v1/service-accounts/{service_account}/web-identities: the OIDC issuers (and the subjects and claims of
 * their tokens) a service account trusts. Trusting one lets its tokens become the account's, so managing them
 * takes what minting the account's tokens takes. A change applies to the next exchange at once; deleting a
 * trust also revokes the tokens exchanged through it.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { authorize } from '../platform/auth/authorize.js';
import { canGrant, type Role } from '../platform/auth/roles.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { forbidden } from '../platform/http/problem.js';
import { findServiceAccount } from '../service-accounts/service-account-store.js';
import type { Services } from '../services.js';
import { WebIdentity, WebIdentityCreate, WebIdentityPage } from './web-identity-schemas.js';
import {
  deleteWebIdentity,
  findWebIdentity,
  insertWebIdentity,
  listWebIdentityRows,
  type WebIdentityRow,
} from './web-identity-store.js';

const tags = ['Service accounts'];
const AccountParams = refParams('service_account', 'Service account id or name.');
const WebIdentityParams = AccountParams.extend(
  refParams('web_identity', 'Web identity id or name (within the service account).').shape,
);
const PATH = '/service-accounts/{service_account}/web-identities';

const list = createRoute({
  method: 'get',
  path: PATH,
  operationId: 'listServiceAccountWebIdentities',
  summary: 'List the web identities a service account trusts',
  tags,
  request: { params: AccountParams, query: PageQuery },
  responses: {
    200: jsonResponse(WebIdentityPage, 'A page of web identities.'),
    ...errors(400, 401, 403, 404),
  },
});

const create = createRoute({
  method: 'post',
  path: PATH,
  operationId: 'createServiceAccountWebIdentity',
  summary: 'Trust an OIDC issuer’s tokens for a service account',
  description:
    'Tokens of `issuer` whose `aud` names `audience`, whose `sub` matches `subject` and whose other claims ' +
    'match `claims` are then exchanged for short-lived tokens of the account (`POST /auth/web-identity`). ' +
    'Nothing is fetched from the issuer until the first exchange. At most 20 per account.',
  tags,
  ...IDEMPOTENT,
  request: { params: AccountParams, headers: IdempotencyHeaders, body: jsonBody(WebIdentityCreate) },
  responses: {
    201: jsonResponse(WebIdentity, 'The trusted web identity.'),
    ...errors(400, 401, 403, 404, 409, 413, 415),
  },
});

const remove = createRoute({
  method: 'delete',
  path: `${PATH}/{web_identity}`,
  operationId: 'deleteServiceAccountWebIdentity',
  summary: 'Stop trusting a web identity',
  description:
    'Its tokens are no longer exchanged, and the tokens exchanged through it stop working at once.',
  tags,
  request: { params: WebIdentityParams },
  responses: { 204: { description: 'Deleted.' }, ...errors(401, 403, 404) },
});

export function webIdentityToApi(row: WebIdentityRow) {
  return WebIdentity.parse({
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    audience: row.audience,
    subject: row.subject,
    claims: row.claims,
    created_at: new Date(row.created_at).toISOString(),
  });
}

/** Trusting an issuer for an account mints its tokens: an admin cannot for an owner's account. */
function checkGrant(rights: Parameters<typeof canGrant>[0], role: string) {
  if (!canGrant(rights, role as Role)) {
    throw forbidden(`this token may not manage a service account with the role ${role}`);
  }
}

export function webIdentityRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(list, async (c) => {
    const principal = authorize(c, 'tokens:read');
    const account = await findServiceAccount(
      services.db,
      principal.orgId,
      c.req.valid('param').service_account,
    );
    const q = c.req.valid('query');
    const rows = await listWebIdentityRows(services.db, principal.orgId, account.id, {
      after: decodeCursor(q.cursor),
      limit: q.limit,
    });
    return c.json(toPage(rows, q.limit, webIdentityToApi), 200);
  });

  app.openapi(create, async (c) => {
    const principal = authorize(c, 'tokens:write');
    const body = c.req.valid('json');
    const operation = 'createServiceAccountWebIdentity';
    const { status, body: stored } = await createIdempotent(
      c,
      services,
      operation,
      body,
      async (trx, audit) => {
        const account = await findServiceAccount(trx, principal.orgId, c.req.valid('param').service_account);
        checkGrant(principal.rights, account.role);
        const created = await insertWebIdentity(trx, principal.orgId, account.id, {
          name: body.name,
          issuer: body.issuer,
          audience: body.audience,
          subject: body.subject,
          claims: body.claims ?? {},
        });
        await audit({
          action: 'service_account.web_identity.create',
          resource_type: 'service_account',
          resource_id: account.id,
          details: {
            service_account: account.name,
            web_identity: created.name,
            web_identity_id: created.id,
            issuer: created.issuer,
            audience: created.audience,
            subject: created.subject,
            claims: created.claims,
          },
        });
        return { status: 201, body: webIdentityToApi(created) };
      },
    );
    return c.json(WebIdentity.parse(stored), status as 201);
  });

  app.openapi(remove, async (c) => {
    const principal = authorize(c, 'tokens:write');
    const params = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const account = await findServiceAccount(trx, principal.orgId, params.service_account);
      checkGrant(principal.rights, account.role);
      const row = await findWebIdentity(trx, principal.orgId, account.id, params.web_identity);
      await deleteWebIdentity(trx, row);
      await audit({
        action: 'service_account.web_identity.delete',
        resource_type: 'service_account',
        resource_id: account.id,
        details: { service_account: account.name, web_identity: row.name, web_identity_id: row.id },
      });
    });
    return c.body(null, 204);
  });

  return app;
}
