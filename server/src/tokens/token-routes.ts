/** /api/v1/tokens: admin API tokens of people. Secrets are shown once, at creation. */
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
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { createIdempotent, mutate } from '../platform/http/mutation.js';
import { forbidden } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import {
  issueTokenResponse,
  listTokenPage,
  revealToken,
  revokeToken,
  TokenIdParams,
  tokenExpiry,
} from './owned-token-routes.js';
import { AdminTokenCreate, TokenCreated, TokenPage } from './token-schemas.js';

const tags = ['Tokens'];

const listTokens = createRoute({
  method: 'get',
  path: '/tokens',
  operationId: 'listTokens',
  summary: 'List the admin tokens of the organization',
  description: 'Metadata only: a token’s secret is shown once, when it is created.',
  tags,
  request: { query: PageQuery },
  responses: { 200: jsonResponse(TokenPage, 'A page of tokens.'), ...errors(400, 401, 403) },
});

const createToken = createRoute({
  method: 'post',
  path: '/tokens',
  operationId: 'createToken',
  summary: 'Create an admin token for the caller',
  description:
    'Only a person’s token can create one. The token acts as the caller, with at most the given role, and ' +
    'stops working when the caller leaves the organization.',
  tags,
  ...IDEMPOTENT,
  request: {
    headers: IdempotencyHeaders,
    body: jsonBody(AdminTokenCreate, {
      name: 'terraform',
      role: 'admin',
      expires_at: '2027-01-01T00:00:00.000Z',
    }),
  },
  responses: {
    201: jsonResponse(TokenCreated, 'The new token with its secret, shown once.'),
    ...errors(400, 401, 403, 413, 415, 422),
  },
});

const deleteToken = createRoute({
  method: 'delete',
  path: '/tokens/{token_id}',
  operationId: 'deleteToken',
  summary: 'Revoke an admin token',
  description: 'The caller’s own tokens, or another person’s whose role the caller could grant.',
  tags,
  request: { params: TokenIdParams },
  responses: { 204: { description: 'Revoked.' }, ...errors(401, 403, 404) },
});

export function tokenRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listTokens, async (c) => {
    const { orgId } = authorize(c, 'tokens:read');
    return c.json(await listTokenPage(services.db, orgId, { kind: 'admin' }, c.req.valid('query')), 200);
  });

  app.openapi(createToken, async (c) => {
    const principal = authorize(c, 'tokens:write');
    if (!principal.userId) throw forbidden('only a person’s token can create an admin token');
    const body = c.req.valid('json');
    if (!canGrant(principal.rights, body.role)) {
      throw forbidden(`this token may not grant the role ${body.role}`);
    }
    const { status, body: stored } = await createIdempotent(c, services, 'createToken', body, (trx, audit) =>
      issueTokenResponse(
        trx,
        audit,
        {
          orgId: principal.orgId,
          kind: 'admin',
          name: body.name,
          role: body.role,
          userId: principal.userId,
          expiresAt: tokenExpiry(body.expires_at),
        },
        { user_id: principal.userId },
      ),
    );
    return c.json(revealToken(stored), status as 201);
  });

  app.openapi(deleteToken, async (c) => {
    const principal = authorize(c, 'tokens:write');
    const { token_id } = c.req.valid('param');
    await mutate(c, services, (trx, audit) =>
      revokeToken(trx, audit, principal.orgId, { kind: 'admin' }, token_id, (row) => {
        if (row.user_id !== principal.userId && !canGrant(principal.rights, row.role as Role)) {
          throw forbidden(`this token may not revoke a token with the role ${row.role}`);
        }
      }),
    );
    return c.body(null, 204);
  });

  return app;
}
