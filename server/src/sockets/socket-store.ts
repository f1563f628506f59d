/** Reading and writing socket rows: name-or-id lookup, secret sealing, and the API shape of a socket. */
import type { Kysely, Selectable } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database, SocketsTable } from '../platform/db/schema.js';
import { invalid, notFound } from '../platform/http/problem.js';
import { isId } from '../platform/ids.js';
import type { UpstreamInputValue } from './socket-schemas.js';

export type SocketRow = Selectable<SocketsTable> & { org_name: string };

const SECRET_KEYS = ['password', 'private_key'] as const;
type SecretKey = (typeof SECRET_KEYS)[number];

export async function findSocket(db: Kysely<Database>, orgId: string, ref: string): Promise<SocketRow> {
  const row = await db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where('s.org_id', '=', orgId)
    .where(isId(ref) ? 's.id' : 's.name', '=', ref)
    .executeTakeFirst();
  if (!row) throw notFound(`socket ${ref}`);
  return row;
}

/**
 * Splits an upstream configuration into its public part and its sealed secrets. On update, secrets the
 * request leaves out are kept from the stored configuration when the type stays the same.
 */
export function sealUpstream(
  secrets: SecretBox,
  input: UpstreamInputValue,
  previous?: { upstream: Record<string, unknown>; upstream_secrets: string | null },
): { upstream: Record<string, unknown>; upstream_secrets: string | null } {
  const kept: Partial<Record<SecretKey, string>> =
    previous?.upstream_secrets && previous.upstream.type === input.type
      ? JSON.parse(secrets.open(previous.upstream_secrets))
      : {};
  const open: Record<string, unknown> = { ...input };
  const sealed: Partial<Record<SecretKey, string>> = { ...kept };
  for (const key of SECRET_KEYS) {
    if (typeof open[key] === 'string') sealed[key] = open[key] as string;
    delete open[key];
  }
  checkAuthentication(open, sealed);
  const names = Object.keys(sealed);
  return {
    upstream: { ...open, secrets_set: names },
    upstream_secrets: names.length > 0 ? secrets.seal(JSON.stringify(sealed)) : null,
  };
}

/** `sealUpstream` as the columns `upstream` and `upstream_secrets` take it. */
export function upstreamColumns(
  secrets: SecretBox,
  input: UpstreamInputValue,
  previous?: { upstream: Record<string, unknown>; upstream_secrets: string | null },
): { upstream: string; upstream_secrets: string | null } {
  const sealed = sealUpstream(secrets, input, previous);
  return { upstream: JSON.stringify(sealed.upstream), upstream_secrets: sealed.upstream_secrets };
}

/**
 * The columns an update sets besides the upstream's when it points the socket at another host or port:
 * another host has another host key, so trust on first use starts over.
 */
export function hostKeyResetOnMove(
  row: { upstream: Record<string, unknown> },
  next: { hostname?: string; port?: number } | undefined,
): { ssh_host_key?: null; ssh_host_key_trusted_at?: null } {
  if (!next) return {};
  const current = row.upstream as { hostname?: string; port?: number };
  const moved = current.hostname !== next.hostname || current.port !== next.port;
  return moved ? { ssh_host_key: null, ssh_host_key_trusted_at: null } : {};
}

/** An authentication type needs its credentials at hand. */
function checkAuthentication(
  open: Record<string, unknown>,
  sealed: Partial<Record<SecretKey, string>>,
): void {
  const field = 'upstream_configuration';
  const auth = open.authentication_type;
  const needsUser =
    open.type === 'ssh' ? open.username_provider !== 'prompt_client' : auth === 'username_and_password';
  if ((open.type === 'ssh' || open.type === 'database') && needsUser && !open.username) {
    throw invalid(`${field}.username`, `is required with authentication_type ${String(auth)}`);
  }
  if (auth === 'username_and_password' && !sealed.password) {
    throw invalid(`${field}.password`, 'is required with authentication_type username_and_password');
  }
  if (auth === 'private_key' && !sealed.private_key) {
    throw invalid(`${field}.private_key`, 'is required with authentication_type private_key');
  }
}

export function socketToApi(row: SocketRow, baseDomain: string) {
  const { secrets_set, ...upstream } = row.upstream as Record<string, unknown> & { secrets_set?: string[] };
  const set = new Set(secrets_set ?? []);
  const flags =
    upstream.type === 'ssh'
      ? {
          password_set: set.has('password'),
          private_key_set: set.has('private_key'),
          host_key: row.ssh_host_key,
        }
      : upstream.type === 'database'
        ? { password_set: set.has('password') }
        : {};
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    description: row.description,
    socket_type: row.socket_type,
    tags: row.tags,
    recording_enabled: row.recording_enabled,
    recording_input_enabled: row.recording_input_enabled,
    connector_ids: row.connector_ids,
    upstream_configuration: { ...upstream, ...flags },
    dnsname: `${row.name}-${row.org_name}.${baseDomain}`,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
