/**
 * Sockets a connector declares itself (connector.yaml): created served by that connector alone, replaced
 * when the declaration changes, and left untouched (no new version, no audit entry) when it does not, so a
 * connector can declare its sockets on every start.
 */
import type { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { ConnectorSocketPut } from '../connectors/connector-schemas.js';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database } from '../platform/db/schema.js';
import type { Principal } from '../platform/http/env.js';
import type { Audit } from '../platform/http/mutation.js';
import { ApiError } from '../platform/http/problem.js';
import { newId } from '../platform/ids.js';
import {
  deleteSocket,
  findSocket,
  hostKeyResetOnMove,
  type SocketRow,
  upstreamColumns,
} from './socket-store.js';

type Declaration = z.infer<typeof ConnectorSocketPut>;

export async function upsertConnectorSocket(
  trx: Kysely<Database>,
  audit: Audit,
  secrets: SecretBox,
  connector: Principal & { connectorId: string },
  name: string,
  declared: Declaration,
): Promise<{ row: SocketRow; created: boolean }> {
  const { orgId, connectorId } = connector;
  const existing = await findSocket(trx, orgId, name).catch((error: unknown) => {
    if (error instanceof ApiError && error.kind === 'not_found') return undefined;
    throw error;
  });
  const fields = {
    description: declared.description ?? null,
    tags: JSON.stringify(declared.tags ?? {}),
    // The declaration is the whole socket: secrets it leaves out are not kept.
    ...upstreamColumns(secrets, declared.upstream_configuration),
  };
  if (!existing) {
    const id = newId();
    await trx
      .insertInto('sockets')
      .values({
        id,
        org_id: orgId,
        name,
        display_name: null,
        socket_type: declared.socket_type,
        recording_enabled: declared.socket_type !== 'http',
        connector_ids: JSON.stringify([connectorId]),
        declared_by_connector_id: connectorId,
        ...fields,
      })
      .execute();
    await audit({
      action: 'socket.create',
      resource_type: 'socket',
      resource_id: id,
      details: { name, connector_id: connectorId },
    });
    return { row: await findSocket(trx, orgId, id), created: true };
  }

  if (existing.declared_by_connector_id !== connectorId) {
    throw new ApiError('conflict', `socket ${name} exists and was not declared by this connector`);
  }
  if (existing.socket_type !== declared.socket_type) {
    throw new ApiError(
      'conflict',
      `socket ${name} is a ${existing.socket_type} socket; its type cannot change (delete it first)`,
    );
  }
  const changed = [
    existing.description !== fields.description && 'description',
    !sameJson(existing.tags, declared.tags ?? {}) && 'tags',
    (!sameJson(existing.upstream, JSON.parse(fields.upstream)) ||
      !sameJson(
        openSecrets(secrets, existing.upstream_secrets),
        openSecrets(secrets, fields.upstream_secrets),
      )) &&
      'upstream_configuration',
    !sameJson(existing.connector_ids, [connectorId]) && 'connector_ids',
  ].filter((field): field is string => field !== false);
  if (changed.length === 0) return { row: existing, created: false };
  await trx
    .updateTable('sockets')
    .set({
      ...fields,
      ...hostKeyResetOnMove(existing, declared.upstream_configuration),
      connector_ids: JSON.stringify([connectorId]),
      updated_at: new Date(),
      version: existing.version + 1,
    })
    .where('id', '=', existing.id)
    .where('org_id', '=', orgId)
    .execute();
  await audit({
    action: 'socket.update',
    resource_type: 'socket',
    resource_id: existing.id,
    details: { name, fields: changed, connector_id: connectorId },
  });
  return { row: await findSocket(trx, orgId, existing.id), created: false };
}

/**
 * Deletes a socket the connector declared; a socket made by anyone else (an admin, another connector) is a
 * 409 and stays as it is.
 */
export async function deleteConnectorSocket(
  trx: Kysely<Database>,
  audit: Audit,
  connector: Principal & { connectorId: string },
  name: string,
): Promise<void> {
  const { orgId, connectorId } = connector;
  const existing = await findSocket(trx, orgId, name);
  if (existing.name !== name) throw new ApiError('not_found', `socket ${name} not found`);
  if (existing.declared_by_connector_id !== connectorId) {
    throw new ApiError('conflict', `socket ${name} was not declared by this connector`);
  }
  await deleteSocket(trx, existing);
  await audit({
    action: 'socket.delete',
    resource_type: 'socket',
    resource_id: existing.id,
    details: { name, connector_id: connectorId },
  });
}

/** Equal as JSON values, whatever the order of object keys (jsonb reorders them). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function openSecrets(secrets: SecretBox, sealed: string | null): unknown {
  return sealed === null ? null : JSON.parse(secrets.open(sealed));
}
