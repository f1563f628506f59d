/**
 * Every change goes through `mutate`: one transaction holding the change, its audit entry, the events it
 * causes and, for creates with an `Idempotency-Key`, the stored response. A rejected request changes nothing.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Transaction } from 'kysely';
import type { Services } from '../../services.js';
import { type AuditContext, type AuditRecord, appendAudit } from '../db/audit-log.js';
import type { Database } from '../db/schema.js';
import { changeEvents } from '../events/change-events.js';
import { distinctEvents, type PlatformEvent } from '../events/event-bus.js';
import type { AppEnv } from './env.js';
import { ApiError } from './problem.js';

export type Audit = (record: AuditRecord) => Promise<void>;
export type Work<T> = (trx: Transaction<Database>, audit: Audit) => Promise<T>;

export interface MutationScope {
  /**
   * The organization the change belongs to: its audit log and its idempotency keys. The principal's by
   * default; a proxy, which serves every organization, names the one of the socket it reports about.
   */
  orgId?: string | undefined;
  /**
   * The organization whose audit log records the change and whose proxies hear of it, when not `orgId`: a
   * new organization's creation belongs to that organization only, not to the one of the creator's token.
   */
  auditOrgId?: string | undefined;
}

/**
 * Runs `work` in one transaction with its audit entries. The events the audited changes cause (see
 * change-events.ts) are staged in that transaction and reach subscribers once it commits.
 */
export async function mutate<T>(
  c: Context<AppEnv>,
  services: Services,
  work: Work<T>,
  scope: MutationScope = {},
): Promise<T> {
  const principal = c.get('principal');
  const orgId = scope.auditOrgId ?? scope.orgId ?? principal.orgId;
  return auditedChange(
    services,
    {
      orgId,
      actor: principal.actor,
      ip: clientIp(c),
      requestId: c.get('requestId') ?? null,
      clientRequestId: c.get('clientRequestId') ?? null,
    },
    work,
  );
}

/**
 * `mutate` for a change no token makes (a login through an identity provider joins a person and syncs their
 * groups): one transaction with its audit entries in `context.orgId`, their events after commit.
 */
export async function auditedChange<T>(services: Services, context: AuditContext, work: Work<T>): Promise<T> {
  const caused: PlatformEvent[] = [];
  try {
    const result = await services.db.transaction().execute(async (trx) => {
      const value = await work(trx, async (record) => {
        await appendAudit(trx, context, record);
        caused.push(...(await changeEvents(trx, services.baseDomain, context.orgId, record)));
      });
      await services.events.stage(trx, distinctEvents(caused));
      return value;
    });
    services.events.committed(distinctEvents(caused));
    return result;
  } catch (error) {
    throw translateStoreError(error);
  }
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * A create honouring `Idempotency-Key`: the same key with the same body replays the first response; the same
 * key with another body is refused. Keys are scoped to the organization and the token; responses are kept
 * sealed.
 */
export async function createIdempotent(
  c: Context<AppEnv>,
  services: Services,
  operation: string,
  requestBody: unknown,
  work: Work<StoredResponse>,
  scope: MutationScope = {},
): Promise<StoredResponse> {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return mutate(c, services, work, scope);
  if (key.length === 0 || key.length > 255) {
    throw new ApiError('validation', 'Idempotency-Key: must be 1 to 255 characters', [
      { field: 'Idempotency-Key', message: 'must be 1 to 255 characters' },
    ]);
  }
  const principal = c.get('principal');
  const requestHash = createHash('sha256')
    .update(`${operation}\n${c.req.path}\n${JSON.stringify(requestBody ?? null)}`)
    .digest('hex');
  const keyScope = { org_id: scope.orgId ?? principal.orgId, principal: principal.tokenId, key };

  const replay = async (): Promise<StoredResponse | undefined> => {
    const stored = await services.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('org_id', '=', keyScope.org_id)
      .where('principal', '=', keyScope.principal)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!stored) return undefined;
    if (stored.request_hash !== requestHash) {
      throw new ApiError(
        'idempotency_mismatch',
        `Idempotency-Key ${key} was used for a different request; use a new key for a new request`,
      );
    }
    return { status: stored.status, body: JSON.parse(services.secrets.open(stored.response)) };
  };

  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await mutate(
      c,
      services,
      async (trx, audit) => {
        const response = await work(trx, audit);
        await trx
          .insertInto('idempotency_keys')
          .values({
            ...keyScope,
            operation,
            request_hash: requestHash,
            status: response.status,
            // Created bodies can hold secrets shown once (tokens): the stored copy is sealed like any secret.
            response: services.secrets.seal(JSON.stringify(response.body)),
          })
          .execute();
        return response;
      },
      scope,
    );
  } catch (error) {
    // A concurrent request with the same key won the race: answer with its response.
    if (error instanceof ApiError && error.kind === 'conflict' && error.message.includes('idempotency')) {
      const raced = await replay();
      if (raced) return raced;
    }
    throw error;
  }
}

export function clientIp(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

const UNIQUE_FIELDS: Record<string, string> = {
  memberships_pk: 'email',
  group_members_pk: 'user_id',
  policy_sockets_pk: 'socket',
  organizations_name_key: 'name',
  users_email_key: 'email',
};

function translateStoreError(error: unknown): unknown {
  const code = (error as { code?: string } | null)?.code;
  if (code !== '23505') return error;
  const constraint = (error as { constraint?: string }).constraint ?? '';
  if (constraint === 'idempotency_keys_pk') return new ApiError('conflict', 'idempotency key in use');
  const field = UNIQUE_FIELDS[constraint] ?? (constraint.endsWith('_name') ? 'name' : 'id');
  return new ApiError('conflict', `${field}: already exists`, [{ field, message: 'already exists' }]);
}
