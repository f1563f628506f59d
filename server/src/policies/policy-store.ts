/** Policy rows: name-or-id lookup, attached sockets, the engine's view and the API shape. */
import type { PolicyDocumentValue, PolicyInput } from '@border0/sdk/policy';
import type { Kysely, Selectable } from 'kysely';
import { refLookup } from '../platform/db/ref-lookup.js';
import type { Database, PoliciesTable } from '../platform/db/schema.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import { findSocket } from '../sockets/socket-store.js';

export type PolicyRow = Selectable<PoliciesTable>;

export const findPolicy = refLookup('policies');

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
    .set({ updated_at: new Date(), version: row.version + 1 })
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}
