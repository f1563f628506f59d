/**
 * Route guards. Organization routes: the principal's rights must hold the permission the route names, and
 * the data plane's tokens (connectors, proxies) get only what a route lets through explicitly. The data
 * plane's own routes take only their own kind of token.
 */
import type { Context } from 'hono';
import type { AppEnv, Principal } from '../http/env.js';
import { ApiError } from '../http/problem.js';
import type { Permission } from './roles.js';

export interface AuthorizeOptions {
  /** Let a connector token through too: only for reading what is public to the organization anyway. */
  connector?: boolean;
}

export function authorize(
  c: Context<AppEnv>,
  permission: Permission,
  options: AuthorizeOptions = {},
): Principal {
  const principal = c.get('principal');
  if (principal.kind === 'proxy') {
    throw new ApiError('forbidden', 'a proxy token may only be used by a proxy');
  }
  if (principal.kind === 'connector') {
    if (options.connector) return principal;
    throw new ApiError('forbidden', 'a connector token may only be used by a connector');
  }
  if (!principal.rights.has(permission)) {
    throw new ApiError(
      'forbidden',
      `this token may not do this (needs ${permission}; the ${principal.role} role and the token’s own role decide)`,
    );
  }
  return principal;
}

/** Routes of the proxies' API (`/proxy/...`): proxy tokens only. */
export function authorizeProxy(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (principal.kind !== 'proxy') throw new ApiError('forbidden', 'only a proxy token may do this');
  return principal;
}

/** Routes of a connector about itself (`/connector/...`): connector tokens only. */
export function authorizeConnector(c: Context<AppEnv>): Principal & { connectorId: string } {
  const principal = c.get('principal');
  if (principal.kind !== 'connector' || !principal.connectorId) {
    throw new ApiError('forbidden', 'only a connector token may do this');
  }
  return principal as Principal & { connectorId: string };
}
