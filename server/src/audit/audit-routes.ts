/**
 * /api/v1/audit: the organization's audit log, oldest first, so a client can verify the hash chain page by
 * page. Entries are returned exactly as they were hashed.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import { authorize } from '../platform/auth/authorize.js';
import type { AuditEntriesTable } from '../platform/db/schema.js';
import { errors, jsonResponse, PageQuery, pageOf } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { decodeNumericCursor, toPage } from '../platform/http/pagination.js';
import { invalid } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { AuditEntry, AuditListQuery } from './audit-schemas.js';
import { listAuditEntryRows } from './audit-store.js';

const listAuditEntries = createRoute({
  method: 'get',
  path: '/audit',
  operationId: 'listAuditEntries',
  summary: 'List audit entries, oldest first',
  tags: ['Audit'],
  request: { query: PageQuery.extend(AuditListQuery.shape) },
  responses: {
    200: jsonResponse(pageOf(AuditEntry, 'AuditEntryPage'), 'A page of audit entries.'),
    ...errors(400, 401, 403),
  },
});

function toApi(row: Selectable<AuditEntriesTable>) {
  return AuditEntry.parse({
    seq: Number(row.seq),
    id: row.id,
    // Written from an ISO string with millisecond precision, so this reproduces the hashed text.
    time: new Date(row.time).toISOString(),
    actor: row.actor,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    ip: row.ip,
    request_id: row.request_id,
    client_request_id: row.client_request_id,
    details: row.details,
    prev_hash: row.prev_hash,
    hash: row.hash,
  });
}

export function auditRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listAuditEntries, async (c) => {
    const { orgId } = authorize(c, 'audit:read');
    const q = c.req.valid('query');
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) throw invalid('from', 'is after `to`');
    const { cursor, limit, ...filters } = q;
    const after = decodeNumericCursor(cursor);
    const rows = await listAuditEntryRows(services.db, orgId, { after, limit }, filters);
    return c.json(
      toPage(rows, q.limit, toApi, (row) => row.seq),
      200,
    );
  });

  return app;
}
