/** Policy rows: name-or-id lookup, attached sockets, the engine's view and the API shape. */
import {
  appliesToSocket,
  compilePolicy,
  type PolicyDocumentValue,
  type PolicyInput,
} from '@border0/sdk/policy';
import type { Kysely, Selectable } from 'kysely';
import { deleteNamed, insertNamed, namedFields, refLookup, updateNamed } from '../platform/db/named-rows.js';
import type { Database, PoliciesTable } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import { findSocket, type SocketRow } from '../sockets/socket-store.js';
import type { PolicyCreateValue, PolicyUpdateValue } from './policy-schemas.js';

export type PolicyRow = Selectable<PoliciesTable>;

export const findPolicy = refLookup('policies');

/** Policies scanned per query when filtering by socket, where the filter runs outside the database. */
const SCAN_BATCH = 500;

/** A page of the organization's policies, by name or text, and only those that apply to `socket` if given. */
export async function listPolicies(
  db: Kysely<Database>,
  orgId: string,
  page: PageRequest,
  filters: { name?: string | undefined; search?: string | undefined; socket?: SocketRow | undefined },
): Promise<PolicyRow[]> {
  const { socket } = filters;
  let query = db.selectFrom('policies').selectAll().where('org_id', '=', orgId);
  if (filters.name) query = query.where('name', '=', filters.name);
  if (filters.search) {
    const pattern = `%${filters.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('description', 'ilike', pattern)]));
  }
  const matched: PolicyRow[] = [];
  let after = page.after;
  for (;;) {
    const batch = await query
      .$if(after !== undefined, (qb) => qb.where('id', '>', after!))
      .orderBy('id')
      .limit(socket ? SCAN_BATCH : page.limit + 1)
      .execute();
    const attached = socket
      ? await attachedSockets(
          db,
          orgId,
          batch.map((row) => row.id),
        )
      : undefined;
    for (const row of batch) {
      if (
        !socket ||
        appliesToSocket(compilePolicy(toPolicyInput(row, attached?.get(row.id) ?? [])), socket)
      ) {
        matched.push(row);
      }
    }
    if (!socket || batch.length < SCAN_BATCH || matched.length > page.limit) break;
    after = batch.at(-1)!.id;
  }
  return matched.slice(0, page.limit + 1);
}

export function insertPolicy(db: Kysely<Database>, orgId: string, body: PolicyCreateValue) {
  return insertNamed(db, 'policies', orgId, {
    name: body.name,
    description: body.description ?? null,
    document: JSON.stringify(body.document),
    org_wide: body.org_wide,
    tag_rules: JSON.stringify(body.tag_rules ?? []),
  });
}

export async function updatePolicy(db: Kysely<Database>, row: PolicyRow, body: PolicyUpdateValue) {
  await updateNamed(db, 'policies', row, {
    ...namedFields(body, ['name', 'description', 'org_wide']),
    ...(body.document !== undefined && { document: JSON.stringify(body.document) }),
    ...(body.tag_rules !== undefined && { tag_rules: JSON.stringify(body.tag_rules) }),
  });
}

export async function deletePolicy(db: Kysely<Database>, row: PolicyRow): Promise<void> {
  await deleteNamed(db, 'policies', row);
}

/** Attaches the socket; whether it was not attached before. */
export async function attachSocket(db: Kysely<Database>, row: PolicyRow, socketId: string): Promise<boolean> {
  const inserted = await db
    .insertInto('policy_sockets')
    .values({ org_id: row.org_id, policy_id: row.id, socket_id: socketId })
    .onConflict((oc) => oc.columns(['policy_id', 'socket_id']).doNothing())
    .returning('socket_id')
    .execute();
  return inserted.length > 0;
}

/** Detaches the socket; whether it was attached. */
export async function detachSocket(db: Kysely<Database>, row: PolicyRow, socketId: string): Promise<boolean> {
  const removed = await db
    .deleteFrom('policy_sockets')
    .where('org_id', '=', row.org_id)
    .where('policy_id', '=', row.id)
    .where('socket_id', '=', socketId)
    .returning('socket_id')
    .execute();
  return removed.length > 0;
}

/** The ids of the sockets attached to each policy, in attachment order. */
export async function attachedSockets(
  db: Kysely<Database>,
  orgId: string,
  policyIds: string[],
): Promise<Map<string, string[]>> {
  const attached = new Map<string, string[]>(policyIds.map((id) => [id, []]));
  if (policyIds.length === 0) return attached;
  const rows = await db
    .selectFrom('policy_sockets')
    .select(['policy_id', 'socket_id'])
    .where('org_id', '=', orgId)
    .where('policy_id', 'in', policyIds)
    .orderBy('created_at')
    .orderBy('socket_id')
    .execute();
  for (const row of rows) attached.get(row.policy_id)?.push(row.socket_id);
  return attached;
}

/** A socket named in a request body: one missing from this organization is a 400 naming the field. */
export async function resolveSocket(db: Kysely<Database>, orgId: string, ref: string, field: string) {
  try {
    return await findSocket(db, orgId, ref);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'not_found') {
      throw invalid(field, `no socket ${ref} in this organization`);
    }
    throw error;
  }
}

/** The group ids of a document that are not groups of this organization fail as `document.condition...N`. */
export async function checkGroups(db: Kysely<Database>, orgId: string, groupIds: string[] | undefined) {
  if (!groupIds || groupIds.length === 0) return;
  const found = await db
    .selectFrom('groups')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', groupIds)
    .execute();
  const known = new Set(found.map((g) => g.id));
  const index = groupIds.findIndex((id) => !known.has(id));
  if (index >= 0) {
    throw invalid(
      `document.condition.who.group.${index}`,
      `no group ${groupIds[index]} in this organization`,
    );
  }
}

/** The policy engine's view of a policy row. */
export function toPolicyInput(row: PolicyRow, socketIds: string[]): PolicyInput {
  return {
    id: row.id,
    name: row.name,
    document: row.document as PolicyDocumentValue,
    org_wide: row.org_wide,
    tag_rules: row.tag_rules,
    socket_ids: socketIds,
  };
}

/** Every policy of an organization with its attached sockets, oldest first. */
export async function loadPolicies(db: Kysely<Database>, orgId: string) {
  const rows = await db
    .selectFrom('policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
  const attached = await attachedSockets(
    db,
    orgId,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ row, socketIds: attached.get(row.id) ?? [] }));
}

/** Every policy of an organization, as the engine reads them. */
export async function loadPolicyInputs(db: Kysely<Database>, orgId: string): Promise<PolicyInput[]> {
  return (await loadPolicies(db, orgId)).map(({ row, socketIds }) => toPolicyInput(row, socketIds));
}

export function policyToApi(row: PolicyRow, socketIds: string[]) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    version: 'v2' as const,
    document: row.document,
    org_wide: row.org_wide,
    tag_rules: row.tag_rules,
    socket_ids: socketIds,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Sockets named in a body, as ids without repeats; a missing one fails as `sockets.N`. */
export async function resolveSockets(db: Kysely<Database>, orgId: string, refs: string[] | undefined) {
  const ids: string[] = [];
  for (const [index, socketRef] of (refs ?? []).entries()) {
    const { id } = await resolveSocket(db, orgId, socketRef, `sockets.${index}`);
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** Makes `socketIds` the attached set, keeping the attachments that stay. */
export async function setSockets(db: Kysely<Database>, orgId: string, policyId: string, socketIds: string[]) {
  await db
    .deleteFrom('policy_sockets')
    .where('org_id', '=', orgId)
    .where('policy_id', '=', policyId)
    .$if(socketIds.length > 0, (qb) => qb.where('socket_id', 'not in', socketIds))
    .execute();
  if (socketIds.length === 0) return;
  await db
    .insertInto('policy_sockets')
    .values(socketIds.map((socket_id) => ({ org_id: orgId, policy_id: policyId, socket_id })))
    .onConflict((oc) => oc.columns(['policy_id', 'socket_id']).doNothing())
    .execute();
}

/** Attachments are part of a policy's representation: changing them is a new version. */
export async function bumpVersion(db: Kysely<Database>, row: PolicyRow) {
  await db
    .updateTable('policies')
    .set(nextVersion(row))
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}
