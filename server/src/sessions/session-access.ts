/**
 * Who may read which sessions, shared by every route that reads a session or what hangs off it (events,
 * recordings): roles with `sessions:read` see the organization's, members only their own.
 */
import type { Context } from 'hono';
import { accountEmail } from '../organizations/organization-store.js';
import { authorize } from '../platform/auth/authorize.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { serviceAccountName } from '../service-accounts/service-account-store.js';
import type { Services } from '../services.js';
import { findSession, type Own, type SessionRow } from './session-store.js';

/** Members see only their own sessions: matched by their email, or a service account's by its name. */
export async function ownIdentity(services: Services, principal: Principal): Promise<Own> {
  if (principal.rights.has('sessions:read')) return null;
  if (principal.userId) {
    return { column: 'user_email', value: await accountEmail(services.db, principal.userId) };
  }
  const name = await serviceAccountName(services.db, principal.orgId, principal.serviceAccountId ?? '');
  return { column: 'service_account_name', value: name };
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
