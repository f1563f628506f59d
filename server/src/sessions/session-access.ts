/**
 * Who may read which sessions, shared by every route that reads a session or what hangs off it (events,
 * recordings): roles with `sessions:read` see the organization's, members only their own.
 */
import type { Context } from 'hono';
import { authorize } from '../platform/auth/authorize.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import type { Services } from '../services.js';
import { findSession, type Own, type SessionRow } from './session-store.js';

/** Members see only their own sessions: matched by their email, or a service account's by its name. */
export async function ownIdentity(services: Services, principal: Principal): Promise<Own> {
  if (principal.rights.has('sessions:read')) return null;
  if (principal.userId) {
    const user = await services.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    return { column: 'user_email', value: user?.email ?? null };
  }
  const account = await services.db
    .selectFrom('service_accounts')
    .select('name')
    .where('id', '=', principal.serviceAccountId ?? '')
    .where('org_id', '=', principal.orgId)
    .executeTakeFirst();
  return { column: 'service_account_name', value: account?.name ?? null };
}

/** The session `id` if the caller may read it; 404 otherwise, whether it is another's or absent. */
export async function readableSession(
  c: Context<AppEnv>,
  services: Services,
  id: string,
): Promise<{ orgId: string; session: SessionRow }> {
  const principal = authorize(c, 'sessions:read_own');
  const own = await ownIdentity(services, principal);
  return { orgId: principal.orgId, session: await findSession(services.db, principal.orgId, id, own) };
}
