/**
 * An organization's policy data for the proxies: its policies as the engine reads them, and who may use
 * sockets at all (members and service accounts whose role allows it), with a version that is a digest of
 * the content, so a proxy can tell whether what it caches is current.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Role, roleAllows } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { loadPolicyInputs } from './policy-store.js';

/** Using sockets takes getting a client certificate: the same permission decides. */
const usesSockets = (role: string) => roleAllows(role as Role, 'certificates:issue');

export async function loadPolicyData(db: Kysely<Database>, orgId: string) {
  const policies = await loadPolicyInputs(db, orgId);
  const members = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'm.role'])
    .where('m.org_id', '=', orgId)
    .orderBy('u.email')
    .execute();
  const memberships = await db
    .selectFrom('group_members')
    .select(['user_id', 'group_id'])
    .where('org_id', '=', orgId)
    .orderBy('group_id')
    .execute();
  const accounts = await db
    .selectFrom('service_accounts')
    .select(['name', 'role'])
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
  const identities = members
    .filter((member) => usesSockets(member.role))
    .map((member) => ({
      email: member.email,
      groups: memberships.filter((m) => m.user_id === member.id).map((m) => m.group_id),
    }));
  const serviceAccounts = accounts.filter((a) => usesSockets(a.role)).map((a) => a.name);
  const content = { policies, identities, service_accounts: serviceAccounts };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
  return { organization_id: orgId, ...content, version };
}
