/**
 * Accounts, memberships and new organizations, shared by the API and the first-start bootstrap.
 *
 * A local account belongs to the organization that made it (its home): that organization's admins manage its
 * password. Another organization that adds the same email makes an account of its own, so nothing it does
 * reveals whether the email has an account elsewhere, or changes what that account may do. A person who
 * already has an account joins another organization only by accepting an invitation (invitation-store.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationsTable } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { ApiError } from '../platform/http/problem.js';
import { isId, newId } from '../platform/ids.js';

export interface Account {
  id: string;
  email: string;
}

/** A new account of `homeOrgId` for `email` (stored lower-case), without a password yet. */
export async function createAccount(
  db: Kysely<Database>,
  homeOrgId: string | null,
  email: string,
): Promise<Account> {
  const account = { id: newId(), email: email.toLowerCase() };
  await db
    .insertInto('users')
    .values({ ...account, display_name: null, home_org_id: homeOrgId })
    .execute();
  return account;
}

/**
 * The account an organization adds a person with: its own account for the email (a returning member's), or a
 * new one. Never another organization's: adding reveals and changes nothing outside the organization.
 */
export async function ownAccount(db: Kysely<Database>, orgId: string, email: string): Promise<Account> {
  const existing = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('home_org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  return existing ?? createAccount(db, orgId, email);
}

/** Makes `account` a member of `orgId`; 409 when the organization already has a member with its email. */
export async function addMembership(
  db: Kysely<Database>,
  orgId: string,
  account: Account,
  role: string,
): Promise<void> {
  const existing = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('email', '=', account.email)
    .executeTakeFirst();
  if (existing) {
    throw new ApiError('conflict', `email: ${account.email} is already a member`, [
      { field: 'email', message: 'is already a member' },
    ]);
  }
  await db
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: account.id, email: account.email, role })
    .execute();
}

/** A new organization whose first owner is `owner`; an account made with it has it as home. */
export async function createOrganization(
  db: Kysely<Database>,
  input: {
    id?: string;
    name: string;
    display_name?: string | null | undefined;
    owner: Account | { email: string };
  },
) {
  const id = input.id ?? newId();
  await db
    .insertInto('organizations')
    .values({ id, name: input.name, display_name: input.display_name ?? null })
    .execute();
  const owner = 'id' in input.owner ? input.owner : await createAccount(db, id, input.owner.email);
  await addMembership(db, id, owner, 'owner');
  return {
    owner,
    organization: await db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
  };
}

export type OrganizationRow = Selectable<OrganizationsTable>;

export function findOrganization(db: Kysely<Database>, orgId: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
}

/** An organization by id or by name. */
export function findOrganizationByRef(
  db: Kysely<Database>,
  ref: string,
): Promise<OrganizationRow | undefined> {
  return db
    .selectFrom('organizations')
    .selectAll()
    .where(isId(ref) ? 'id' : 'name', '=', ref)
    .executeTakeFirst();
}

/** The organizations a person belongs to, each with their role there. */
export function listOrganizationsOf(db: Kysely<Database>, userId: string, page: PageRequest) {
  return db
    .selectFrom('organizations as o')
    .innerJoin('memberships as m', 'm.org_id', 'o.id')
    .selectAll('o')
    .select('m.role as role')
    .where('m.user_id', '=', userId)
    .$if(page.after !== undefined, (qb) => qb.where('o.id', '>', page.after!))
    .orderBy('o.id')
    .limit(page.limit + 1)
    .execute();
}

/** Every organization, by name: what the platform's proxies serve. */
export function listAllOrganizations(db: Kysely<Database>) {
  return db.selectFrom('organizations').select(['id', 'name']).orderBy('name').execute();
}

/** The email of an account, or null when it is gone. */
export async function accountEmail(db: Kysely<Database>, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
  return row?.email ?? null;
}

/** Whether any organization exists yet (the first start makes one). */
export async function anyOrganization(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export function findAccount(db: Kysely<Database>, userId: string): Promise<Account> {
  return db.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirstOrThrow();
}

export async function updateOrganization(
  db: Kysely<Database>,
  row: OrganizationRow,
  fields: { display_name?: string | null | undefined },
): Promise<OrganizationRow> {
  await db
    .updateTable('organizations')
    .set({
      ...(fields.display_name !== undefined && { display_name: fields.display_name }),
      ...nextVersion(row),
    })
    .where('id', '=', row.id)
    .execute();
  return db.selectFrom('organizations').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
}
