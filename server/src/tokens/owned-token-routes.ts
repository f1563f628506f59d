/**
 * What every token endpoint shares: expiry rules, the API shape, issuing inside an idempotent create, and
 * the list/create/delete routes of the tokens owned by a service account or a connector.
 */
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import type { Permission } from '../platform/auth/roles.js';
import type { Database, TokensTable } from '../platform/db/schema.js';
import {
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
  refParams,
} from '../platform/http/common-schemas.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { type Audit, createIdempotent, mutate, type StoredResponse } from '../platform/http/mutation.js';
import { decodeCursor, toPage } from '../platform/http/pagination.js';
import { invalid, notFound } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { Token, TokenCreate, TokenCreated, TokenPage } from './token-schemas.js';
import {
  deleteToken,
  findTokenOf,
  issueToken,
  listTokenRows,
  type TokenFilter,
  type TokenRequest,
  type TokenRow,
} from './token-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

/** The expiry of a new token: the requested one when in the future and within a year, else 90 days. */
export function tokenExpiry(requested: string | undefined, now = Date.now()): Date {
  if (requested === undefined) return new Date(now + DEFAULT_TOKEN_DAYS * DAY_MS);
  const at = new Date(requested);
  if (at.getTime() <= now) throw invalid('expires_at', 'must be in the future');
  if (at.getTime() > now + MAX_TOKEN_DAYS * DAY_MS)
    throw invalid('expires_at', 'must be at most one year ahead');
  return at;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function tokenToApi(row: Selectable<TokensTable>) {
  return Token.parse({
    id: row.id,
    name: row.name,
    kind: row.kind,
    role: row.role,
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    created_at: iso(row.created_at),
  });
}

/** Issues a token as the body of an idempotent create (whose stored copy `createIdempotent` seals). */
export async function issueTokenResponse(
  trx: Kysely<Database>,
  audit: Audit,
  request: TokenRequest,
  details: Record<string, unknown>,
): Promise<StoredResponse> {
  const { row, secret } = await issueToken(trx, request);
  await audit({
    action: 'token.create',
    resource_type: 'token',
    resource_id: row.id,
    details: { name: row.name, kind: row.kind, role: row.role, expires_at: iso(row.expires_at), ...details },
  });
  return { status: 201, body: { ...tokenToApi(row), token: secret } };
}

export function revealToken(stored: unknown): z.infer<typeof TokenCreated> {
  return TokenCreated.parse(stored);
}

export const TokenIdParams = refParams('token_id', 'Token id.');

export async function listTokenPage(
  db: Kysely<Database>,
  orgId: string,
  filter: TokenFilter,
  q: { limit: number; cursor?: string | undefined },
) {
  const after = decodeCursor(q.cursor);
  const rows = await listTokenRows(db, orgId, filter, { after, limit: q.limit });
  return toPage(rows, q.limit, tokenToApi);
}

/** Deletes one token of the filter's owner, or 404, once `check` lets it. */
export async function revokeToken(
  trx: Kysely<Database>,
  audit: Audit,
  orgId: string,
  filter: TokenFilter,
  id: string,
  check: (row: TokenRow) => void = () => {},
) {
  const row = await findTokenOf(trx, orgId, filter, id);
  if (!row) throw notFound(`token ${id}`);
  check(row);
  await deleteToken(trx, row);
  await audit({
    action: 'token.delete',
    resource_type: 'token',
    resource_id: row.id,
    // A connector's tokens name it: proxies then cut the tunnels the token opened.
    details: { name: row.name, kind: row.kind, ...(row.connector_id && { connector_id: row.connector_id }) },
  });
  return row;
}

export interface TokenOwner {
  id: string;
  name: string;
  /** The role its tokens carry. */
  role: string;
}

export interface OwnedTokenRoutes {
  kind: 'service_account' | 'connector';
  /** The owner's path, e.g. `/service-accounts/{service_account}`, and its parameter. */
  path: string;
  param: string;
  paramDescription: string;
  tag: string;
  /** How summaries name the owner, e.g. `service account`. */
  noun: string;
  operationIds: { list: string; create: string; delete: string };
  permissions: { read: Permission; write: Permission };
  /** The owner in the caller's organization, else 404; with `write`, also checks the caller may manage it. */
  find(db: Kysely<Database>, principal: Principal, ref: string, write: boolean): Promise<TokenOwner>;
}

/** Adds list, create and delete of the owner's tokens to `app`. */
export function addOwnedTokenRoutes(app: OpenAPIHono<AppEnv>, services: Services, spec: OwnedTokenRoutes) {
  const OwnerParams = refParams(spec.param, spec.paramDescription);
  const TokenParams = OwnerParams.extend(TokenIdParams.shape);
  const tags = [spec.tag];
  const filterOf = (ownerId: string): TokenFilter => ({ kind: spec.kind, ownerId });

  const list = createRoute({
    method: 'get',
    path: `${spec.path}/tokens`,
    operationId: spec.operationIds.list,
    summary: `List the tokens of a ${spec.noun}`,
    tags,
    request: { params: OwnerParams, query: PageQuery },
    responses: {
      200: jsonResponse(TokenPage, 'A page of tokens, without secrets.'),
      ...errors(400, 401, 403, 404),
    },
  });
  const create = createRoute({
    method: 'post',
    path: `${spec.path}/tokens`,
    operationId: spec.operationIds.create,
    summary: `Create a token for a ${spec.noun}`,
    tags,
    ...IDEMPOTENT,
    request: {
      params: OwnerParams,
      headers: IdempotencyHeaders,
      body: jsonBody(TokenCreate, { name: 'ci deploy', expires_at: '2027-01-01T00:00:00.000Z' }),
    },
    responses: {
      201: jsonResponse(TokenCreated, 'The new token with its secret, shown once.'),
      ...errors(400, 401, 403, 404, 413, 415, 422),
    },
  });
  const remove = createRoute({
    method: 'delete',
    path: `${spec.path}/tokens/{token_id}`,
    operationId: spec.operationIds.delete,
    summary: `Revoke a token of a ${spec.noun}`,
    tags,
    request: { params: TokenParams },
    responses: { 204: { description: 'Revoked.' }, ...errors(401, 403, 404) },
  });

  app.openapi(list, async (c) => {
    const principal = authorize(c, spec.permissions.read);
    const found = await spec.find(services.db, principal, c.req.valid('param')[spec.param]!, false);
    return c.json(
      await listTokenPage(services.db, principal.orgId, filterOf(found.id), c.req.valid('query')),
      200,
    );
  });

  app.openapi(create, async (c) => {
    const principal = authorize(c, spec.permissions.write);
    const body = c.req.valid('json');
    const ref = c.req.valid('param')[spec.param]!;
    const { status, body: stored } = await createIdempotent(
      c,
      services,
      spec.operationIds.create,
      body,
      async (trx, audit) => {
        const found = await spec.find(trx, principal, ref, true);
        return issueTokenResponse(
          trx,
          audit,
          {
            orgId: principal.orgId,
            kind: spec.kind,
            name: body.name,
            role: found.role,
            ...(spec.kind === 'service_account' ? { serviceAccountId: found.id } : { connectorId: found.id }),
            expiresAt: tokenExpiry(body.expires_at),
          },
          { [spec.kind]: found.name },
        );
      },
    );
    return c.json(revealToken(stored), status as 201);
  });

  app.openapi(remove, async (c) => {
    const principal = authorize(c, spec.permissions.write);
    const params = c.req.valid('param');
    await mutate(c, services, async (trx, audit) => {
      const found = await spec.find(trx, principal, params[spec.param]!, true);
      await revokeToken(trx, audit, principal.orgId, filterOf(found.id), params.token_id!);
    });
    return c.body(null, 204);
  });
}
