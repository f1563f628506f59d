/**
 * Who a login through an identity provider is in its organization: the member with the verified email, or,
 * on first login, the holder of a pending invitation for it (who joins with the invitation's role); nobody
 * else. Then the groups claim decides the person's organization groups: added to the named groups that exist,
 * taken out of the ones not named (groups are never created; without the claim nothing changes). Every change
 * is audited in the organization, as done by `identity_provider:<name>`, and reaches the proxies as events.
 */
import type { Kysely, Transaction } from 'kysely';
import { addToGroup, bumpGroup, type GroupRow, removeFromGroup } from '../groups/group-store.js';
import { decideInvitation } from '../members/invitation-store.js';
import { addMembership, ownAccount } from '../organizations/organization-store.js';
import type { Database } from '../platform/db/schema.js';
import { type Audit, auditedChange } from '../platform/http/mutation.js';
import type { Services } from '../services.js';

/** Group names a claim may carry, at most: more are ignored. */
const MAX_GROUP_NAMES = 1000;

export type Admission =
  | { ok: true; userId: string; joined: boolean; groupsAdded: string[]; groupsRemoved: string[] }
  | { ok: false; reason: 'not_invited' };

/** The group names of a groups claim (an array of strings, or one string); undefined when it is absent. */
export function groupNames(claim: unknown): Set<string> | undefined {
  if (claim === undefined || claim === null) return undefined;
  const values = Array.isArray(claim) ? claim : [claim];
  return new Set(
    values.filter((v): v is string => typeof v === 'string' && v.length <= 255).slice(0, MAX_GROUP_NAMES),
  );
}

export function admitThroughProvider(
  services: Services,
  input: {
    orgId: string;
    providerName: string;
    email: string;
    groups: Set<string> | undefined;
    ip: string | null;
    requestId: string | null;
  },
): Promise<Admission> {
  const context = {
    orgId: input.orgId,
    actor: `identity_provider:${input.providerName}`,
    ip: input.ip,
    requestId: input.requestId,
  };
  return auditedChange(services, context, async (trx, audit): Promise<Admission> => {
    const details = { email: input.email, identity_provider: input.providerName };
    let userId = await memberId(trx, input.orgId, input.email);
    let joined = false;
    if (userId === undefined) {
      const invitation = await trx
        .selectFrom('invitations')
        .selectAll()
        .where('org_id', '=', input.orgId)
        .where('email', '=', input.email)
        .where('status', '=', 'pending')
        .where('expires_at', '>', new Date())
        .orderBy('created_at', 'desc')
        .forUpdate()
        .executeTakeFirst();
      if (!invitation) return { ok: false, reason: 'not_invited' };
      const account = await ownAccount(trx, input.orgId, input.email);
      await addMembership(trx, input.orgId, account, invitation.role);
      await decideInvitation(trx, invitation.id, { status: 'accepted', userId: account.id });
      await audit({
        action: 'member.add',
        resource_type: 'member',
        resource_id: account.id,
        details: { ...details, role: invitation.role, invitation_id: invitation.id },
      });
      userId = account.id;
      joined = true;
    }
    const synced = input.groups
      ? await syncGroups(trx, audit, input.orgId, userId, input.groups, details)
      : { added: [], removed: [] };
    return { ok: true, userId, joined, groupsAdded: synced.added, groupsRemoved: synced.removed };
  });
}

async function memberId(db: Kysely<Database>, orgId: string, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .executeTakeFirst();
  return row?.user_id;
}

async function syncGroups(
  trx: Transaction<Database>,
  audit: Audit,
  orgId: string,
  userId: string,
  named: Set<string>,
  details: Record<string, unknown>,
): Promise<{ added: string[]; removed: string[] }> {
  const groups: GroupRow[] = await trx
    .selectFrom('groups')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('name')
    .forUpdate()
    .execute();
  const current = new Set(
    (
      await trx
        .selectFrom('group_members')
        .select('group_id')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .execute()
    ).map((r) => r.group_id),
  );
  const added: string[] = [];
  const removed: string[] = [];
  for (const group of groups) {
    const wanted = named.has(group.name);
    if (wanted === current.has(group.id)) continue;
    if (wanted) {
      await addToGroup(trx, group, userId);
      added.push(group.name);
    } else {
      await removeFromGroup(trx, group, userId);
      removed.push(group.name);
    }
    await audit({
      action: wanted ? 'group.member_add' : 'group.member_remove',
      resource_type: 'group',
      resource_id: group.id,
      details: { ...details, name: group.name, user_id: userId },
    });
    await bumpGroup(trx, group);
  }
  return { added, removed };
}
