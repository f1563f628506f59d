/** Service account rows: id-or-name lookup, and their writes (a role change reaches the account's tokens). */
import type { Kysely, Selectable } from 'kysely';
import { refLookup } from '../platform/db/ref-lookup.js';
import type { Database, ServiceAccountsTable } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { newId } from '../platform/ids.js';

export type ServiceAccountRow = Selectable<ServiceAccountsTable>;

export const findServiceAccount = refLookup('service_accounts');

export function listServiceAccounts(db: Kysely<Database>, orgId: string, page: PageRequest) {
  return db
    .selectFrom('service_accounts')
    .selectAll()
    .where('org_id', '=', orgId)
    .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

export async function insertServiceAccount(
  db: Kysely<Database>,
  orgId: string,
  fields: { name: string; description?: string | undefined; role: string },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('service_accounts')
    .values({
      id,
      org_id: orgId,
      name: fields.name,
      description: fields.description ?? null,
      role: fields.role,
    })
    .execute();
  return id;
}

export async function updateServiceAccount(
  db: Kysely<Database>,
  row: ServiceAccountRow,
  fields: { name?: string | undefined; description?: string | null | undefined; role?: string | undefined },
): Promise<void> {
  await db
    .updateTable('service_accounts')
    .set({
      ...(fields.name !== undefined && { name: fields.name }),
      ...(fields.description !== undefined && { description: fields.description }),
      ...(fields.role !== undefined && { role: fields.role }),
      ...nextVersion(row),
    })
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
  // Authentication reads the account's role; the tokens' copy is kept in step so listings tell the truth.
  if (fields.role !== undefined) {
    await db
      .updateTable('tokens')
      .set({ role: fields.role })
      .where('org_id', '=', row.org_id)
      .where('service_account_id', '=', row.id)
      .execute();
  }
}

/** Deletes the account; its tokens go with it (foreign key cascade). */
export async function deleteServiceAccount(db: Kysely<Database>, row: ServiceAccountRow): Promise<void> {
  await db.deleteFrom('service_accounts').where('id', '=', row.id).where('org_id', '=', row.org_id).execute();
}

/** The name of the organization's service account, or null when it is gone. */
export async function serviceAccountName(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('service_accounts')
    .select('name')
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row?.name ?? null;
}
