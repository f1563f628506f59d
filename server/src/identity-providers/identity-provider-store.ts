/**
 * Identity provider rows: id-or-name lookup within the organization, their writes (the client secret arrives
 * sealed), the enabled providers a login page offers, and their API shape (never the secret).
 */
import type { Kysely, Selectable } from 'kysely';
import {
  deleteNamed,
  insertNamed,
  namedFields,
  pageLookup,
  refLookup,
  updateNamed,
} from '../platform/db/named-rows.js';
import type { Database, IdentityProvidersTable } from '../platform/db/schema.js';
import { isId } from '../platform/ids.js';

export type IdentityProviderRow = Selectable<IdentityProvidersTable>;

export const findIdentityProvider = refLookup('identity_providers');
export const listIdentityProviders = pageLookup('identity_providers');

export interface IdentityProviderFields {
  name?: string | undefined;
  display_name?: string | null | undefined;
  issuer?: string | undefined;
  client_id?: string | undefined;
  /** Sealed; null removes it. */
  client_secret_sealed?: string | null | undefined;
  scopes?: string[] | undefined;
  email_claim?: string | undefined;
  groups_claim?: string | undefined;
  enabled?: boolean | undefined;
}

export function insertIdentityProvider(
  db: Kysely<Database>,
  orgId: string,
  fields: Required<Pick<IdentityProviderFields, 'name' | 'issuer' | 'client_id' | 'scopes'>> &
    IdentityProviderFields & { email_claim: string; groups_claim: string },
): Promise<string> {
  return insertNamed(db, 'identity_providers', orgId, {
    name: fields.name,
    display_name: fields.display_name ?? null,
    issuer: fields.issuer,
    client_id: fields.client_id,
    client_secret_sealed: fields.client_secret_sealed ?? null,
    scopes: fields.scopes.join(' '),
    email_claim: fields.email_claim,
    groups_claim: fields.groups_claim,
    enabled: fields.enabled ?? true,
  });
}

export async function updateIdentityProvider(
  db: Kysely<Database>,
  row: IdentityProviderRow,
  fields: IdentityProviderFields,
): Promise<void> {
  const { scopes, ...rest } = fields;
  await updateNamed(db, 'identity_providers', row, {
    ...namedFields(rest, [
      'name',
      'display_name',
      'issuer',
      'client_id',
      'client_secret_sealed',
      'email_claim',
      'groups_claim',
      'enabled',
    ]),
    ...(scopes !== undefined && { scopes: scopes.join(' ') }),
  });
}

export async function deleteIdentityProvider(db: Kysely<Database>, row: IdentityProviderRow): Promise<void> {
  await deleteNamed(db, 'identity_providers', row);
}

/** The organization's enabled providers, by name: the login page's buttons. */
export function enabledIdentityProviders(
  db: Kysely<Database>,
  orgId: string,
): Promise<IdentityProviderRow[]> {
  return db
    .selectFrom('identity_providers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('enabled', '=', true)
    .orderBy('name')
    .execute();
}

/** An enabled provider by id (a login names it in its URL), or undefined. */
export async function findEnabledIdentityProvider(
  db: Kysely<Database>,
  id: string,
): Promise<IdentityProviderRow | undefined> {
  if (!isId(id)) return undefined;
  return db
    .selectFrom('identity_providers')
    .selectAll()
    .where('id', '=', id)
    .where('enabled', '=', true)
    .executeTakeFirst();
}

export function identityProviderToApi(row: IdentityProviderRow) {
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    issuer: row.issuer,
    client_id: row.client_id,
    client_secret_set: row.client_secret_sealed !== null,
    scopes: row.scopes.split(' ').filter(Boolean),
    email_claim: row.email_claim,
    groups_claim: row.groups_claim,
    enabled: row.enabled,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
