/** Route guard: the principal's role must grant the permission the route names. */
import type { Context } from 'hono';
import type { AppEnv, Principal } from '../http/env.js';
import { ApiError } from '../http/problem.js';
import { type Permission, roleAllows } from './roles.js';

export function authorize(c: Context<AppEnv>, permission: Permission): Principal {
  const principal = c.get('principal');
  if (principal.kind === 'connector') {
    throw new ApiError('forbidden', 'a connector token may only be used by a connector');
  }
  if (!roleAllows(principal.role, permission)) {
    throw new ApiError('forbidden', `the role ${principal.role} may not do this (needs ${permission})`);
  }
  return principal;
}
