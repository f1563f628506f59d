/**
 * Invitations: an organization asks a person to join with the account they already have. The person accepts
 * with the invitation's code while logged in as themselves; nothing changes for them until they do. Codes are
 * high-entropy and kept as SHA-256 digests, like token secrets.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, InvitationsTable } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const CODE_PREFIX = 'b0i_';

export type InvitationRow = Selectable<InvitationsTable>;

const digest = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');

export async function createInvitation(
  db: Kysely<Database>,
  input: { orgId: string; email: string; role: string; invitedBy: string },
): Promise<{ row: InvitationRow; code: string }> {
  const code = `${CODE_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('invitations')
    .values({
      id: newId(),
      org_id: input.orgId,
      email: input.email.toLowerCase(),
      role: input.role,
      code_hash: digest(code),
      invited_by: input.invitedBy,
      expires_at: new Date(Date.now() + INVITATION_TTL_MS),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, code };
}

/** The invitation a code names, locked for the acceptance; undefined for an unknown code. */
export async function invitationByCode(
  db: Kysely<Database>,
  code: string,
): Promise<InvitationRow | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('code_hash', '=', digest(code))
    .forUpdate()
    .executeTakeFirst();
}

/** `expired` is derived: a pending invitation past its expiry. */
export function invitationStatus(row: InvitationRow, now = Date.now()) {
  return row.status === 'pending' && new Date(row.expires_at).getTime() <= now ? 'expired' : row.status;
}

export function invitationToApi(row: InvitationRow) {
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: invitationStatus(row),
    invited_by: row.invited_by,
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at)!,
    decided_at: iso(row.decided_at),
  };
}

/** The organization's invitations, newest first: the cursor is the last id of a page. */
export function listInvitationRows(
  db: Kysely<Database>,
  orgId: string,
  page: { before: string | undefined; limit: number },
) {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .$if(page.before !== undefined, (qb) => qb.where('id', '<', page.before!))
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

/** The invitation, locked until the transaction ends. */
export function lockInvitation(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<InvitationRow | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Records the decision on a pending invitation: revoked by the organization, or accepted by `userId`. */
export async function decideInvitation(
  db: Kysely<Database>,
  id: string,
  decision: { status: 'revoked' } | { status: 'accepted'; userId: string },
): Promise<void> {
  await db
    .updateTable('invitations')
    .set({
      status: decision.status,
      decided_at: new Date(),
      ...(decision.status === 'accepted' && { accepted_user_id: decision.userId }),
    })
    .where('id', '=', id)
    .execute();
}
