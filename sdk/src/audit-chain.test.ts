import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditEntryHash,
  type ChainedAuditEntry,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
} from './audit-chain.js';

async function chain(count: number): Promise<ChainedAuditEntry[]> {
  const entries: ChainedAuditEntry[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const entry = {
      seq,
      id: `id-${seq}`,
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      actor: 'user:alice@acme.dev',
      action: 'socket.create',
      resource_type: 'socket',
      resource_id: `s-${seq}`,
      ip: '127.0.0.1',
      request_id: null,
      details: { name: `web${seq}`, nested: { b: 1, a: [1, 2] } },
      prev_hash: entries.at(-1)?.hash ?? GENESIS_HASH,
    };
    entries.push({ ...entry, hash: await auditEntryHash(entry) });
  }
  return entries;
}

describe('client_request_id', () => {
  it('is covered by the hash when present, and leaves older entries (none, or null) hashing as before', async () => {
    const [entry] = await chain(1);
    const { hash, ...unhashed } = entry!;
    expect(await auditEntryHash({ ...unhashed, client_request_id: null })).toBe(hash);
    const withId = { ...unhashed, client_request_id: 'ci-run-42' };
    const withIdHash = await auditEntryHash(withId);
    expect(withIdHash).not.toBe(hash);
    expect(await auditEntryHash({ ...withId, client_request_id: 'ci-run-43' })).not.toBe(withIdHash);
    const entries = [{ ...withId, hash: withIdHash }];
    expect((await verifyAuditChain(entries)).valid).toBe(true);
    entries[0]!.client_request_id = 'forged';
    expect(await verifyAuditChain(entries)).toMatchObject({ valid: false });
  });
});

describe('canonicalJson', () => {
  it('is the same for objects that differ only in key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact chain', async () => {
    expect(await verifyAuditChain(await chain(5))).toEqual({ valid: true, entries_checked: 5 });
  });

  it('finds an edited entry', async () => {
    const entries = await chain(5);
    entries[2] = { ...entries[2]!, details: { name: 'evil' } };
    const result = await verifyAuditChain(entries);
    expect(result.valid).toBe(false);
    expect(result.broken_at).toMatchObject({ seq: 3, reason: 'content does not match its hash' });
  });

  it('finds a removed entry', async () => {
    const entries = await chain(5);
    entries.splice(1, 1);
    expect((await verifyAuditChain(entries)).broken_at?.seq).toBe(3);
  });

  it('finds an entry whose hash was recomputed without relinking the next one', async () => {
    const entries = await chain(4);
    const edited = { ...entries[1]!, action: 'socket.delete' };
    entries[1] = { ...edited, hash: await auditEntryHash(edited) };
    const result = await verifyAuditChain(entries);
    expect(result.broken_at).toMatchObject({ seq: 3, reason: 'does not link to the entry before it' });
  });
});
