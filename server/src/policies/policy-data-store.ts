/**
 * An organization's policy data for the proxies: its policies as the engine reads them, and who may use
 * sockets at all (members and service accounts whose role allows it, members with their groups), with a
 * version that is a digest of the content, so a proxy can tell whether what it caches is current.
 */
import { createHash } from 'node:crypto';
import { standingFrom } from '@border0/sdk/policy';
import type { Kysely } from 'kysely';
import { groupMembers } from '../groups/group-store.js';
import type { Database } from '../platform/db/schema.js';
import { loadPolicyInputs } from './policy-store.js';

export async function loadPolicyData(db: Kysely<Database>, orgId: string) {
  const policies = await loadPolicyInputs(db, orgId);
  const members = await db
    .selectFrom('memberships')
    .select(['email', 'role'])
    .where('org_id', '=', orgId)
    .orderBy('email')
    .execute();
  const groupIds = await db
    .selectFrom('groups')
    .select('id')
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
  const byGroup = await groupMembers(
    db,
    orgId,
    groupIds.map((g) => g.id),
  );
  const serviceAccounts = await db
    .selectFrom('service_accounts')
    .select(['name', 'role'])
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
  const standing = standingFrom({
    members,
    groups: [...byGroup].map(([id, list]) => ({ id, members: list })),
    serviceAccounts,
  });
  const content = { policies, ...standing };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
  return { organization_id: orgId, ...content, version };
}
