/** Reading and writing socket rows: name-or-id lookup, secret sealing, and the API shape of a socket. */
import { parseSecretReference } from '@border0/protocol';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Database, SocketsTable } from '../platform/db/schema.js';
import { nextVersion } from '../platform/http/etag.js';
import type { PageRequest } from '../platform/http/pagination.js';
import { invalid, notFound } from '../platform/http/problem.js';
import { isId, newId } from '../platform/ids.js';
import { dnsnameCandidates } from './socket-dnsname.js';
import type {
  SocketCreateValue,
  SocketListQueryValue,
  SocketUpdateValue,
  UpstreamInputValue,
} from './socket-schemas.js';

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

/** A page of the organization's sockets, filtered by type, name, tags (`key:value,…`, all of them) or text. */
export function listSockets(
  db: Kysely<Database>,
  orgId: string,
  page: PageRequest,
  filters: Omit<SocketListQueryValue, 'cursor' | 'limit'>,
): Promise<SocketRow[]> {
  let query = db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where('s.org_id', '=', orgId);
  if (page.after) query = query.where('s.id', '>', page.after);
  if (filters.socket_type) query = query.where('s.socket_type', '=', filters.socket_type);
  if (filters.name) query = query.where('s.name', '=', filters.name);
  if (filters.tag) {
    const wanted = Object.fromEntries(filters.tag.split(',').map((pair) => pair.split(/:(.*)/s).slice(0, 2)));
    query = query.where(sql<boolean>`s.tags @> ${JSON.stringify(wanted)}::jsonb`);
  }
  if (filters.search) {
    const pattern = `%${filters.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('s.name', 'ilike', pattern),
        eb('s.display_name', 'ilike', pattern),
        eb('s.description', 'ilike', pattern),
      ]),
    );
  }
  return query
    .orderBy('s.id')
    .limit(page.limit + 1)
    .execute();
}

/** Every socket of the organization, by name (for decisions over all of them). */
export function allSockets(db: Kysely<Database>, orgId: string): Promise<SocketRow[]> {
  return db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where('s.org_id', '=', orgId)
    .orderBy('s.name')
    .execute();
}

export async function insertSocket(
  db: Kysely<Database>,
  secrets: SecretBox,
  orgId: string,
  body: SocketCreateValue,
): Promise<string> {
  const id = newId();
  await db
    .insertInto('sockets')
    .values({
      id,
      org_id: orgId,
      name: body.name,
      display_name: body.display_name ?? null,
      description: body.description ?? null,
      socket_type: body.socket_type,
      tags: JSON.stringify(body.tags ?? {}),
      recording_enabled: body.recording_enabled ?? body.socket_type !== 'http',
      recording_input_enabled: body.recording_input_enabled ?? false,
      connector_ids: JSON.stringify(body.connector_ids ?? []),
      ...upstreamColumns(secrets, body.upstream_configuration),
    })
    .execute();
  return id;
}

export async function updateSocket(
  db: Kysely<Database>,
  secrets: SecretBox,
  row: SocketRow,
  body: SocketUpdateValue,
): Promise<void> {
  await db
    .updateTable('sockets')
    .set({
      ...(body.name !== undefined && { name: body.name }),
      ...(body.display_name !== undefined && { display_name: body.display_name }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.tags !== undefined && { tags: JSON.stringify(body.tags) }),
      ...(body.recording_enabled !== undefined && { recording_enabled: body.recording_enabled }),
      ...(body.recording_input_enabled !== undefined && {
        recording_input_enabled: body.recording_input_enabled,
      }),
      ...(body.connector_ids !== undefined && { connector_ids: JSON.stringify(body.connector_ids) }),
      ...(body.upstream_configuration && upstreamColumns(secrets, body.upstream_configuration, row)),
      ...hostKeyResetOnMove(row, body.upstream_configuration),
      ...nextVersion(row),
    })
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}

export async function deleteSocket(db: Kysely<Database>, row: SocketRow): Promise<void> {
  await db.deleteFrom('sockets').where('id', '=', row.id).where('org_id', '=', row.org_id).execute();
}

/** Forgets the upstream host key the socket trusts: the next connection trusts the one it meets. */
export async function clearSshHostKey(db: Kysely<Database>, row: SocketRow): Promise<void> {
  await db
    .updateTable('sockets')
    .set({ ssh_host_key: null, ssh_host_key_trusted_at: null, ...nextVersion(row) })
    .where('id', '=', row.id)
    .where('org_id', '=', row.org_id)
    .execute();
}

/**
 * The socket a dnsname names, or undefined. Should two pairs both exist (`a-b` in `c` and `a` in `b-c`), the
 * socket that had the name first keeps it.
 */
export async function findSocketByDnsname(
  db: Kysely<Database>,
  dnsname: string,
  baseDomain: string,
): Promise<SocketRow | undefined> {
  const candidates = dnsnameCandidates(dnsname, baseDomain);
  if (candidates.length === 0) return undefined;
  return db
    .selectFrom('sockets as s')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select('o.name as org_name')
    .where((eb) =>
      eb.or(candidates.map((c) => eb.and([eb('s.name', '=', c.socket), eb('o.name', '=', c.org)]))),
    )
    .orderBy('s.created_at')
    .orderBy('s.id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Trusts `line` as the socket's upstream host key if it trusts none yet (compare and set: of two first
 * connections at once, one key is kept). Whether this one was.
 */
export async function trustHostKeyOnFirstUse(
  db: Kysely<Database>,
  socketId: string,
  line: string,
): Promise<boolean> {
  const kept = await db
    .updateTable('sockets')
    .set({ ssh_host_key: line, ssh_host_key_trusted_at: new Date() })
    .where('id', '=', socketId)
    .where('ssh_host_key', 'is', null)
    .executeTakeFirst();
  return Number(kept.numUpdatedRows) === 1;
}

/** The upstream host key the socket trusts, if any. */
export async function sshHostKeyOf(db: Kysely<Database>, socketId: string): Promise<string | null> {
  const row = await db
    .selectFrom('sockets')
    .select('ssh_host_key')
    .where('id', '=', socketId)
    .executeTakeFirst();
  return row?.ssh_host_key ?? null;
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

/**
 * The secret references (`${from:env:NAME}`, `${from:file:PATH}`) among a socket's sealed secrets: what the
 * connector serving it may resolve. References name secrets; they are not secrets themselves.
 */
export function secretReferences(secrets: SecretBox, sealed: string | null): string[] {
  if (!sealed) return [];
  const values = Object.values(JSON.parse(secrets.open(sealed)) as Record<string, string>);
  return values.filter((value) => parseSecretReference(value) !== undefined).map((value) => value.trim());
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
  if (open.type === 'database' && auth === 'tls') {
    const tls = open.tls as { enabled?: boolean; client_certificate?: string } | undefined;
    if (!tls?.enabled) throw invalid(`${field}.tls.enabled`, 'must be true with authentication_type tls');
    if (!tls.client_certificate) {
      throw invalid(`${field}.tls.client_certificate`, 'is required with authentication_type tls');
    }
  }
  if (open.type === 'http' && open.tls !== undefined && open.scheme !== 'https') {
    throw invalid(`${field}.tls`, 'is for scheme https only');
  }
  if (open.type === 'database' && (open.tls as { client_certificate?: string })?.client_certificate) {
    if (!sealed.private_key) {
      throw invalid(`${field}.private_key`, 'is required with tls.client_certificate (its key)');
    }
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
        ? { password_set: set.has('password'), private_key_set: set.has('private_key') }
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
