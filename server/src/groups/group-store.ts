/** Group rows: id-or-name lookup, their members, and their API shape. */
import type { Kysely, Selectable } from 'kysely';
import { refLookup } from '../platform/db/ref-lookup.js';
import type { Database, GroupsTable } from '../platform/db/schema.js';

export type GroupRow = Selectable<GroupsTable>;

export const findGroup = refLookup('groups');

/** Membership changes are changes of the group: a new version, so its ETag stays truthful. */
export async function bumpGroup(db: Kysely<Database>, row: GroupRow): Promise<GroupRow> {
  await db
    .updateTable('groups')
    .set({ updated_at: new Date(), version: row.version + 1 })
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
  return findGroup(db, row.org_id, row.id);
}

/** The members of several groups in one query, by group id, ordered by email. */
export async function groupMembers(db: Kysely<Database>, orgId: string, groupIds: string[]) {
  const byGroup = new Map<string, { user_id: string; email: string }[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await db
    .selectFrom('group_members as gm')
    .innerJoin('users as u', 'u.id', 'gm.user_id')
    .select(['gm.group_id', 'u.id as user_id', 'u.email'])
    .where('gm.org_id', '=', orgId)
    .where('gm.group_id', 'in', groupIds)
    .orderBy('u.email')
    .execute();
  for (const row of rows) byGroup.get(row.group_id)?.push({ user_id: row.user_id, email: row.email });
  return byGroup;
}

export function groupToApi(row: GroupRow, members: { user_id: string; email: string }[]) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    members,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
