/** Reading members: id-or-email lookups and their API shape. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { notFound } from '../platform/http/problem.js';
import { isId } from '../platform/ids.js';

export function memberQuery(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'u.id as id',
      'm.email',
      'u.display_name',
      'm.role',
      'm.created_at',
      'm.updated_at',
      'm.version',
    ])
    .where('m.org_id', '=', orgId);
}

export type MemberRow = Awaited<ReturnType<ReturnType<typeof memberQuery>['executeTakeFirstOrThrow']>>;

/** A member of the organization by user id or email (emails are stored lower-case). */
export async function findMember(db: Kysely<Database>, orgId: string, ref: string): Promise<MemberRow> {
  const row = await memberQuery(db, orgId)
    .where(isId(ref) ? 'm.user_id' : 'm.email', '=', isId(ref) ? ref : ref.toLowerCase())
    .executeTakeFirst();
  if (!row) throw notFound(`member ${ref}`);
  return row;
}

export function findMemberByEmail(
  db: Kysely<Database>,
  orgId: string,
  email: string,
): Promise<MemberRow | undefined> {
  return memberQuery(db, orgId).where('u.email', '=', email.toLowerCase()).executeTakeFirst();
}

/** A page of the organization's members, by role or by a substring of the email. */
export function listMembers(
  db: Kysely<Database>,
  orgId: string,
  page: PageRequest,
  filters: { role?: string | undefined; search?: string | undefined },
): Promise<MemberRow[]> {
  let query = memberQuery(db, orgId);
  if (page.after) query = query.where('u.id', '>', page.after);
  if (filters.role) query = query.where('m.role', '=', filters.role);
  if (filters.search) {
    query = query.where('u.email', 'ilike', `%${filters.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  }
  return query
    .orderBy('u.id')
    .limit(page.limit + 1)
    .execute();
}

/**
 * The owners of the organization, locked until the transaction ends: two concurrent demotions of the last
 * two owners then see each other's result instead of both succeeding.
 */
export async function lockOwners(trx: Transaction<Database>, orgId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return rows.map((r) => r.user_id);
}

export async function updateMemberRole(
  db: Kysely<Database>,
  orgId: string,
  row: MemberRow,
  role: string,
): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ role, ...nextVersion(row) })
    .where('org_id', '=', orgId)
    .where('user_id', '=', row.id)
    .execute();
}

/** Ends the membership: out of the organization's groups, its admin tokens there revoked (their count). */
export async function removeMember(db: Kysely<Database>, orgId: string, row: MemberRow): Promise<number> {
  await db.deleteFrom('group_members').where('org_id', '=', orgId).where('user_id', '=', row.id).execute();
  const revoked = await db
    .deleteFrom('tokens')
    .where('org_id', '=', orgId)
    .where('kind', '=', 'admin')
    .where('user_id', '=', row.id)
    .returning('id')
    .execute();
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', row.id).execute();
  return revoked.length;
}

export function memberToApi(row: MemberRow) {
  return {
    user_id: row.id,
    email: row.email,
    display_name: row.display_name,
    role: row.role,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
