/**
 * The audit log's hash chain. Each entry's `hash` is SHA-256 over its canonical JSON (keys sorted, `hash`
 * left out), which includes `prev_hash`; the first entry of an organization links to the zero hash.
 * Pure and shared: the server computes hashes with it, `border0 audit verify` checks them with it.
 */

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedAuditEntry {
  seq: number;
  id: string;
  time: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  request_id: string | null;
  /** The caller's own `X-Request-Id`; absent or null on entries without one (and on all older entries). */
  client_request_id?: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface AuditVerification {
  valid: boolean;
  entries_checked: number;
  /** The first entry that does not verify, and why. */
  broken_at?: { seq: number; id: string; reason: string };
}

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export async function auditEntryHash(entry: Omit<ChainedAuditEntry, 'hash'>): Promise<string> {
  const { seq, id, time, actor, action, resource_type, resource_id, ip, request_id, details, prev_hash } =
    entry;
  const text = canonicalJson({
    seq,
    id,
    time,
    actor,
    action,
    resource_type,
    resource_id,
    ip,
    request_id,
    // Hashed only when present, so that entries written before it existed keep their hashes.
    client_request_id: entry.client_request_id ?? undefined,
    details,
    prev_hash,
  });
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Verifies a whole chain, oldest entry first: every hash matches its entry, every entry links to the one
 * before it, and no sequence number is missing.
 */
export async function verifyAuditChain(entries: Iterable<ChainedAuditEntry>): Promise<AuditVerification> {
  let previous = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (const entry of entries) {
    const broken = (reason: string): AuditVerification => ({
      valid: false,
      entries_checked: checked,
      broken_at: { seq: entry.seq, id: entry.id, reason },
    });
    if (entry.seq !== expectedSeq) return broken(`expected sequence ${expectedSeq}, found ${entry.seq}`);
    if (entry.prev_hash !== previous) return broken('does not link to the entry before it');
    if ((await auditEntryHash(entry)) !== entry.hash) return broken('content does not match its hash');
    previous = entry.hash;
    expectedSeq++;
    checked++;
  }
  return { valid: true, entries_checked: checked };
}
