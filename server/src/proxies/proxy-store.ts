/**
 * The data plane's proxies: their tokens (platform-level, digest only), their registrations, and which of
 * them are alive. A proxy registers every few seconds; one unheard of for a minute is gone.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, ProxiesTable } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { generateTokenSecret, hashTokenSecret } from '../tokens/token-secret.js';

export type ProxyRow = Selectable<ProxiesTable>;

/** How often a proxy registers again. */
export const PROXY_HEARTBEAT_SECONDS = 10;
/** A proxy registered within this window is alive (six missed heartbeats). */
export const PROXY_LIVE_WINDOW_MS = 60_000;

/**
 * Issues a token for proxies, e.g. for `border0 start`, which runs one in-process. The secret is returned
 * once; only its digest is stored.
 */
export async function issueProxyToken(
  db: Kysely<Database>,
  name: string,
  options: { expiresAt?: Date | null } = {},
): Promise<{ id: string; name: string; token: string }> {
  const token = generateTokenSecret('proxy');
  const id = newId();
  await db
    .insertInto('proxy_tokens')
    .values({ id, name, secret_hash: hashTokenSecret(token), expires_at: options.expiresAt ?? null })
    .execute();
  return { id, name, token };
}

export interface ProxyRegistration {
  name: string;
  public_address: string;
  region?: string | undefined;
  version?: string | undefined;
}

/**
 * Records a proxy as it describes itself now: created on its first registration, replaced afterwards.
 * `appeared` tells whether connectors must learn of it: it is new, moved, or was gone.
 */
export async function registerProxy(
  db: Kysely<Database>,
  proxy: ProxyRegistration,
): Promise<{ row: ProxyRow; appeared: boolean }> {
  const now = new Date();
  const before = await db
    .selectFrom('proxies')
    .select(['public_address', 'last_seen_at'])
    .where('name', '=', proxy.name)
    .executeTakeFirst();
  const appeared =
    !before ||
    before.public_address !== proxy.public_address ||
    now.getTime() - new Date(before.last_seen_at).getTime() > PROXY_LIVE_WINDOW_MS;
  const fields = {
    public_address: proxy.public_address,
    region: proxy.region ?? null,
    version: proxy.version ?? null,
    last_seen_at: now,
  };
  const row = await db
    .insertInto('proxies')
    .values({ id: newId(), name: proxy.name, ...fields })
    .onConflict((oc) => oc.column('name').doUpdateSet(fields))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, appeared };
}

/** The proxies alive now, by name. */
export function liveProxies(db: Kysely<Database>, now = new Date()): Promise<ProxyRow[]> {
  return db
    .selectFrom('proxies')
    .selectAll()
    .where('last_seen_at', '>', new Date(now.getTime() - PROXY_LIVE_WINDOW_MS))
    .orderBy('name')
    .execute();
}
