/** Route guard: the principal's role must grant the permission the route names. */
import type { Context } from 'hono';
import type { AppEnv, Principal } from '../http/env.js';
import { ApiError } from '../http/problem.js';
import { type Permission, roleAllows } from './roles.js';

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
  if (principal.kind === 'connector') {
    if (options.connector) return principal;
    throw new ApiError('forbidden', 'a connector token may only be used by a connector');
  }
  if (!roleAllows(principal.role, permission)) {
    throw new ApiError('forbidden', `the role ${principal.role} may not do this (needs ${permission})`);
  }
  return principal;
}
