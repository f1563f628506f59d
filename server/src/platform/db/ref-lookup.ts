/** Finding a row of a resource that its organization names uniquely: a reference to it is its id or its name. */
import type { Kysely, Selectable } from 'kysely';
import { notFound } from '../http/problem.js';
import { isId } from '../ids.js';
import type { Database } from './schema.js';

/** The tables of such resources, and how a 404 names one of them. */
const NOUNS = {
  connectors: 'connector',
  groups: 'group',
  policies: 'policy',
  service_accounts: 'service account',
} as const;

type NamedTable = keyof typeof NOUNS;

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
