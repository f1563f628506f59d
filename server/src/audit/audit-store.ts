/** Reading the audit log (entries are appended by platform/db/audit-log.ts, in the change's transaction). */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { AuditListQueryValue } from './audit-schemas.js';

/** A page of the organization's entries after the sequence number `after`, oldest first, filtered. */
export function listAuditEntryRows(
  db: Kysely<Database>,
  orgId: string,
  page: { after: number | undefined; limit: number },
  filters: Omit<AuditListQueryValue, 'cursor' | 'limit'>,
) {
  let query = db.selectFrom('audit_entries').selectAll().where('org_id', '=', orgId);
  if (page.after !== undefined) query = query.where('seq', '>', page.after);
  if (filters.actor) query = query.where('actor', '=', filters.actor);
  if (filters.action) query = query.where('action', '=', filters.action);
  if (filters.resource_type) query = query.where('resource_type', '=', filters.resource_type);
  if (filters.resource_id) query = query.where('resource_id', '=', filters.resource_id);
  if (filters.from) query = query.where('time', '>=', new Date(filters.from));
  if (filters.to) query = query.where('time', '<=', new Date(filters.to));
  return query
    .orderBy('seq')
    .limit(page.limit + 1)
    .execute();
}
