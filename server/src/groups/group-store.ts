/** Group rows: id-or-name lookup, their members, and their API shape. */

import type { Kysely, Selectable } from 'kysely';
import { describedRows } from '../platform/db/named-rows.js';
import type { Database, GroupsTable } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';

export type GroupRow = Selectable<GroupsTable>;

/** The group rows' store functions: find (by id or name), list, insert, update and delete. */
export const groupRows = describedRows('groups');
export const findGroup = groupRows.find;

export async function isInGroup(db: Kysely<Database>, row: GroupRow, userId: string): Promise<boolean> {
  const found = await db
    .selectFrom('group_members')
    .select('user_id')
    .where('group_id', '=', row.id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return found !== undefined;
}

export async function addToGroup(db: Kysely<Database>, row: GroupRow, userId: string): Promise<void> {
  await db
    .insertInto('group_members')
    .values({ org_id: row.org_id, group_id: row.id, user_id: userId })
    .execute();
}

/** Takes the member named by user id or email out of the group; the user ids removed (none or one). */
export async function removeFromGroup(db: Kysely<Database>, row: GroupRow, memberRef: string) {
  const removed = await db
    .deleteFrom('group_members')
    .where('org_id', '=', row.org_id)
    .where('group_id', '=', row.id)
    .where('user_id', 'in', (eb) =>
      eb
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', row.org_id)
        .where((w) => w.or([w('user_id', '=', memberRef), w('email', '=', memberRef.toLowerCase())])),
    )
    .returning('user_id')
    .execute();
  return removed.map((r) => r.user_id);
}

/** Membership changes are changes of the group: a new version, so its ETag stays truthful. */
export async function bumpGroup(db: Kysely<Database>, row: GroupRow): Promise<GroupRow> {
  await db
    .updateTable('groups')
    .set(nextVersion(row))
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
