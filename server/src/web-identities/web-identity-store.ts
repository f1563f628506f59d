/** Rows of trusted web identities: each within its service account, and that within its organization. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ServiceAccountWebIdentitiesTable } from '../platform/db/schema.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { ApiError, notFound } from '../platform/http/problem.js';
import { isId, newId } from '../platform/ids.js';

export type WebIdentityRow = Selectable<ServiceAccountWebIdentitiesTable>;

/** A service account trusts at most this many issuers/subjects. */
export const MAX_WEB_IDENTITIES = 20;

const ofAccount = (db: Kysely<Database>, orgId: string, accountId: string) =>
  db
    .selectFrom('service_account_web_identities')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_account_id', '=', accountId);

export function listWebIdentityRows(
  db: Kysely<Database>,
  orgId: string,
  accountId: string,
  page: PageRequest,
) {
  return ofAccount(db, orgId, accountId)
    .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
}

/** Every trust of the account: what an exchange is checked against. */
export function webIdentitiesOf(db: Kysely<Database>, orgId: string, accountId: string) {
  return ofAccount(db, orgId, accountId).orderBy('id').execute();
}

export async function findWebIdentity(
  db: Kysely<Database>,
  orgId: string,
  accountId: string,
  ref: string,
): Promise<WebIdentityRow> {
  const row = await ofAccount(db, orgId, accountId)
    .where(isId(ref) ? 'id' : 'name', '=', ref)
    .executeTakeFirst();
  if (!row) throw notFound(`web identity ${ref}`);
  return row;
}

export async function insertWebIdentity(
  db: Kysely<Database>,
  orgId: string,
  accountId: string,
  fields: { name: string; issuer: string; audience: string; subject: string; claims: Record<string, string> },
): Promise<WebIdentityRow> {
  // The account's row is locked: two creates at once cannot both pass the count.
  await db
    .selectFrom('service_accounts')
    .select('id')
    .where('id', '=', accountId)
    .where('org_id', '=', orgId)
    .forUpdate()
    .execute();
  const existing = await ofAccount(db, orgId, accountId).execute();
  if (existing.some((row) => row.name === fields.name)) {
    throw new ApiError('conflict', `the service account already trusts a web identity named ${fields.name}`);
  }
  if (existing.length >= MAX_WEB_IDENTITIES) {
    throw new ApiError('conflict', `a service account trusts at most ${MAX_WEB_IDENTITIES} web identities`);
  }
  const row = {
    id: newId(),
    org_id: orgId,
    service_account_id: accountId,
    ...fields,
    claims: JSON.stringify(fields.claims),
    created_at: new Date(),
  };
  await db.insertInto('service_account_web_identities').values(row).execute();
  return { ...row, claims: fields.claims };
}

/** Deletes the trust; the tokens exchanged through it go with it (foreign key cascade). */
export async function deleteWebIdentity(db: Kysely<Database>, row: WebIdentityRow): Promise<void> {
  await db
    .deleteFrom('service_account_web_identities')
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}

/** Tokens exchanged through a trust that expired a day ago or more: nothing reads them any more. */
export async function sweepExpiredWebIdentityTokens(db: Kysely<Database>): Promise<number> {
  const result = await db
    .deleteFrom('tokens')
    .where('web_identity_id', 'is not', null)
    .where('expires_at', '<', new Date(Date.now() - 24 * 60 * 60 * 1000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
