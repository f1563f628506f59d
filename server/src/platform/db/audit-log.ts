/**
 * Appends audit entries to an organization's hash chain, inside the transaction of the change they
 * describe: the change and its entry land together or not at all.
 */
import { auditEntryHash, GENESIS_HASH } from '@border0/sdk';
import type { Transaction } from 'kysely';
import { newId } from '../ids.js';
import type { Database } from './schema.js';

export interface AuditRecord {
  action: string;
  resource_type: string;
  resource_id: string | null;
  details?: Record<string, unknown>;
}

export interface AuditContext {
  orgId: string;
  actor: string;
  ip: string | null;
  /** The server's own id of the request that made the change. */
  requestId: string | null;
  /** The caller's `X-Request-Id` (see request-id.ts), when it sent one worth keeping. */
  clientRequestId?: string | null | undefined;
}

export async function appendAudit(
  trx: Transaction<Database>,
  context: AuditContext,
  record: AuditRecord,
): Promise<void> {
  // Locking the organization's row serialises appends, so the chain never forks.
  await trx.selectFrom('organizations').select('id').where('id', '=', context.orgId).forUpdate().execute();
  const last = await trx
    .selectFrom('audit_entries')
    .select(['seq', 'hash'])
    .where('org_id', '=', context.orgId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entry = {
    seq: (last?.seq ?? 0) + 1,
    id: newId(),
    time: new Date().toISOString(),
    actor: context.actor,
    action: record.action,
    resource_type: record.resource_type,
    resource_id: record.resource_id,
    ip: context.ip,
    request_id: context.requestId,
    client_request_id: context.clientRequestId ?? null,
    details: record.details ?? {},
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const hash = await auditEntryHash(entry);
  await trx
    .insertInto('audit_entries')
    .values({ ...entry, org_id: context.orgId, details: JSON.stringify(entry.details), hash })
    .execute();
}
