/** Reading members: id-or-email lookups and their API shape. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
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
