/**
 * Bearer authentication: finds the token by the digest of its secret, refuses expired ones, and puts the
 * principal (organization, role, actor) on the context. Every `/api/v1` route sits behind it. Proxy tokens
 * (prefix `b0p_`) are looked up in their own table and give a principal of no organization.
 */
import type { MiddlewareHandler } from 'hono';
import type { Services } from '../../services.js';
import { hashTokenSecret, PROXY_TOKEN_PREFIX, tokenMatches } from '../../tokens/token-secret.js';
import type { AppEnv, Principal } from '../http/env.js';
import { ApiError } from '../http/problem.js';
import { actingRole, intersectRights, type Rights, type Role, rightsOf } from './roles.js';

export function authenticate(services: Services): MiddlewareHandler<AppEnv> {
  return async function authenticateBearer(c, next) {
    const header = c.req.header('authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new ApiError('unauthenticated', 'send a token: Authorization: Bearer <token>');
    const principal = await findPrincipal(services, match[1]!);
    if (!principal) throw new ApiError('unauthenticated', 'the token is unknown, revoked or expired');
    c.set('principal', principal);
    await next();
  };
}

export async function findPrincipal(services: Services, secret: string): Promise<Principal | undefined> {
  if (secret.startsWith(PROXY_TOKEN_PREFIX)) return findProxyPrincipal(services, secret);
  const row = await services.db
    .selectFrom('tokens as t')
    .leftJoin('users as u', 'u.id', 't.user_id')
    .leftJoin('service_accounts as s', 's.id', 't.service_account_id')
    .leftJoin('connectors as k', 'k.id', 't.connector_id')
    .leftJoin('memberships as m', (j) =>
      j.onRef('m.user_id', '=', 't.user_id').onRef('m.org_id', '=', 't.org_id'),
    )
    .select([
      't.id',
      't.org_id',
      't.kind',
      't.name',
      't.role',
      't.secret_hash',
      't.expires_at',
      't.last_used_at',
      't.user_id',
      't.service_account_id',
      't.connector_id',
      'u.email',
      's.name as service_account_name',
      's.role as service_account_role',
      'k.name as connector_name',
      'm.role as member_role',
    ])
    .where('t.secret_hash', '=', hashTokenSecret(secret))
    .executeTakeFirst();
  if (!row || !tokenMatches(secret, row.secret_hash)) return undefined;
  if (expired(row.expires_at)) return undefined;
  await recordUse(services, 'tokens', row);

  // A token acts with the rights its role names AND its holder's current role grants, as sets: a person or
  // service account demoted since the token was made keeps none of what the new role lacks.
  const tokenRights = rightsOf(row.role as Role);
  let role: Role;
  let rights: Rights;
  let actor: string;
  if (row.kind === 'admin') {
    // A user's token never outlives the user's membership.
    if (!row.member_role) return undefined;
    role = actingRole(row.role as Role, row.member_role as Role);
    rights = intersectRights(tokenRights, rightsOf(row.member_role as Role));
    actor = `user:${row.email}`;
  } else if (row.kind === 'service_account') {
    if (!row.service_account_role) return undefined;
    role = actingRole(row.role as Role, row.service_account_role as Role);
    rights = intersectRights(tokenRights, rightsOf(row.service_account_role as Role));
    actor = `service_account:${row.service_account_name}`;
  } else {
    // Connectors reach only the routes that let them through explicitly (authorize.ts).
    role = 'client';
    rights = new Set();
    actor = `connector:${row.connector_name}`;
  }
  return {
    orgId: row.org_id,
    role,
    rights,
    tokenId: row.id,
    kind: row.kind as Principal['kind'],
    userId: row.user_id,
    serviceAccountId: row.service_account_id,
    connectorId: row.connector_id,
    actor,
  };
}

async function findProxyPrincipal(services: Services, secret: string): Promise<Principal | undefined> {
  const row = await services.db
    .selectFrom('proxy_tokens')
    .select(['id', 'name', 'secret_hash', 'expires_at', 'last_used_at'])
    .where('secret_hash', '=', hashTokenSecret(secret))
    .executeTakeFirst();
  if (!row || !tokenMatches(secret, row.secret_hash) || expired(row.expires_at)) return undefined;
  await recordUse(services, 'proxy_tokens', row);
  return {
    orgId: '',
    // No role of any organization: `authorize` refuses proxies before roles are consulted.
    role: 'client',
    rights: new Set(),
    tokenId: row.id,
    kind: 'proxy',
    userId: null,
    serviceAccountId: null,
    connectorId: null,
    actor: `proxy:${row.name}`,
  };
}

const expired = (at: Date | string | null) => at !== null && new Date(at).getTime() <= Date.now();

/** Recorded at most once a minute per token: enough to spot unused tokens without a write per request. */
async function recordUse(
  services: Services,
  table: 'tokens' | 'proxy_tokens',
  row: { id: string; last_used_at: Date | string | null },
) {
  if (row.last_used_at && Date.now() - new Date(row.last_used_at).getTime() <= 60_000) return;
  await services.db.updateTable(table).set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
}
