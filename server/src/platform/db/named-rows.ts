/**
 * Rows of resources that their organization names uniquely (groups, policies, connectors, service
 * accounts): a reference to one is its id or its name. Each is read, paged, written and deleted only within
 * its organization, the same way for every such table.
 */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { nextVersion } from '../http/etag.js';
import type { PageRequest } from '../http/pagination.js';
import { notFound } from '../http/problem.js';
import { isId, newId } from '../ids.js';
import type { Database } from './schema.js';

/** The tables of such resources, and how a 404 names one of them. */
const NOUNS = {
  connectors: 'connector',
  groups: 'group',
  identity_providers: 'identity provider',
  policies: 'policy',
  service_accounts: 'service account',
} as const;

type NamedTable = keyof typeof NOUNS;
type Owned = { id: string; org_id: string; version: number };

/** A lookup of the `table` row that `ref` names in an organization; none is a 404. */
export function refLookup<T extends NamedTable>(table: T) {
  return async (db: Kysely<Database>, orgId: string, ref: string): Promise<Selectable<Database[T]>> => {
    const row = await db
      .selectFrom(table as NamedTable)
      .selectAll()
      .where('org_id', '=', orgId)
      .where(isId(ref) ? 'id' : 'name', '=', ref)
      .executeTakeFirst();
    if (!row) throw notFound(`${NOUNS[table]} ${ref}`);
    return row as Selectable<Database[T]>;
  };
}

/** A page of the organization's `table` rows in id order. */
export function pageLookup<T extends NamedTable>(table: T) {
  return (db: Kysely<Database>, orgId: string, page: PageRequest): Promise<Selectable<Database[T]>[]> =>
    db
      .selectFrom(table as NamedTable)
      .selectAll()
      .where('org_id', '=', orgId)
      .$if(page.after !== undefined, (qb) => qb.where('id', '>', page.after!))
      .orderBy('id')
      .limit(page.limit + 1)
      .execute() as Promise<Selectable<Database[T]>[]>;
}

/** Inserts a new row of the organization; its id. */
export async function insertNamed<T extends NamedTable>(
  db: Kysely<Database>,
  table: T,
  orgId: string,
  values: Omit<Insertable<Database[T]>, 'id' | 'org_id'>,
): Promise<string> {
  const id = newId();
  await db
    .insertInto(table as NamedTable)
    .values({ ...values, id, org_id: orgId } as never)
    .execute();
  return id;
}

/** Writes `changes` to the row, with its next version. */
export async function updateNamed<T extends NamedTable>(
  db: Kysely<Database>,
  table: T,
  row: Owned,
  changes: Updateable<Database[T]>,
): Promise<void> {
  await db
    .updateTable(table as NamedTable)
    .set({ ...changes, ...nextVersion(row) } as never)
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}

export async function deleteNamed(db: Kysely<Database>, table: NamedTable, row: Owned): Promise<void> {
  await db.deleteFrom(table).where('id', '=', row.id).where('org_id', '=', row.org_id).execute();
}

/** Every store function of a resource that is a name and a description (groups, connectors). */
export function describedRows<T extends 'groups' | 'connectors'>(table: T) {
  type Fields = { name?: string | undefined; description?: string | null | undefined };
  return {
    find: refLookup(table),
    list: pageLookup(table),
    insert: (db: Kysely<Database>, orgId: string, fields: Fields & { name: string }) =>
      insertNamed(db, table, orgId, {
        name: fields.name,
        description: fields.description ?? null,
      } as unknown as Omit<Insertable<Database[T]>, 'id' | 'org_id'>),
    update: (db: Kysely<Database>, row: Selectable<Database[T]>, fields: Fields) =>
      updateNamed(
        db,
        table,
        row as unknown as Owned,
        namedFields(fields, ['name', 'description']) as Updateable<Database[T]>,
      ),
    delete: (db: Kysely<Database>, row: Selectable<Database[T]>) =>
      deleteNamed(db, table, row as unknown as Owned),
  };
}

/** The fields of a partial update that the request names (undefined ones are left as they are). */
export function namedFields<B extends object, K extends keyof B>(body: B, keys: K[]): Partial<Pick<B, K>> {
  return Object.fromEntries(
    keys.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]),
  ) as Partial<Pick<B, K>>;
}
