/** Service account rows: id-or-name lookup, and their writes (a role change reaches the account's tokens). */
import type { Kysely, Selectable } from 'kysely';
import {
  deleteNamed,
  insertNamed,
  namedFields,
  pageLookup,
  refLookup,
  updateNamed,
} from '../platform/db/named-rows.js';
import type { Database, ServiceAccountsTable } from '../platform/db/schema.js';

export type ServiceAccountRow = Selectable<ServiceAccountsTable>;

export const findServiceAccount = refLookup('service_accounts');

export const listServiceAccounts = pageLookup('service_accounts');

export function insertServiceAccount(
  db: Kysely<Database>,
  orgId: string,
  fields: { name: string; description?: string | undefined; role: string },
): Promise<string> {
  return insertNamed(db, 'service_accounts', orgId, {
    name: fields.name,
    description: fields.description ?? null,
    role: fields.role,
  });
}

export async function updateServiceAccount(
  db: Kysely<Database>,
  row: ServiceAccountRow,
  fields: { name?: string | undefined; description?: string | null | undefined; role?: string | undefined },
): Promise<void> {
  await updateNamed(db, 'service_accounts', row, namedFields(fields, ['name', 'description', 'role']));
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
  await deleteNamed(db, 'service_accounts', row);
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
