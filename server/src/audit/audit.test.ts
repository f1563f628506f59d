/** Audit log API: the listed chain verifies with the SDK, tampering is caught, filters narrow, tenants stay apart. */
import { type ChainedAuditEntry, verifyAuditChain } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { personToken } from '../../test/support/person-token.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function expectProblem(res: Response, status: number, field?: string) {
  const body = (await res.json()) as { errors?: { field: string }[] };
  expect(res.status, JSON.stringify(body)).toBe(status);
  if (field) expect(body.errors?.map((e) => e.field)).toContain(field);
}

for (const dialect of DIALECTS) {
  describe(`audit log (${dialect})`, () => {
    let h: Harness;
    let orgId: string;
    const socketIds: string[] = [];

    const createSocket = async (name: string, token?: string) => {
      const res = await h.request('/api/v1/sockets', {
        method: 'POST',
        ...(token && { token }),
        json: {
          name,
          socket_type: 'tls',
          upstream_configuration: { type: 'tls', hostname: '10.0.0.1', port: 443 },
        },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    /** Every entry matching `query`, page by page. */
    const listAll = async (query = '', token?: string, limit = 2) => {
      const entries: ChainedAuditEntry[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.request(
          `/api/v1/audit?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
          {
            ...(token && { token }),
          },
        );
        expect(res.status, await res.clone().text()).toBe(200);
        const page = (await res.json()) as Page<ChainedAuditEntry>;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        entries.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      return entries;
    };

    beforeAll(async () => {
      h = await createHarness(dialect);
      orgId = (await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()).id;
      for (const name of ['alpha', 'beta', 'gamma']) socketIds.push(await createSocket(name));
      const res = await h.request(`/api/v1/sockets/beta`, {
        method: 'PATCH',
        json: { description: 'second' },
      });
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('lists the whole chain oldest first, and it verifies', async () => {
      const entries = await listAll();
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(entries[0]).toMatchObject({ action: 'organization.create', actor: 'system:bootstrap' });
      expect(entries.filter((e) => e.action === 'socket.create')).toHaveLength(3);
      expect(await verifyAuditChain(entries)).toEqual({ valid: true, entries_checked: entries.length });
      await expectProblem(await h.request('/api/v1/audit?cursor=bm9wZQ'), 400, 'cursor');
    });

    it('narrows with each filter', async () => {
      const all = await listAll('', undefined, 500);
      expect((await listAll('&action=socket.create')).map((e) => e.resource_id)).toEqual(socketIds);
      expect((await listAll(`&resource_id=${socketIds[1]}`)).map((e) => e.action)).toEqual([
        'socket.create',
        'socket.update',
      ]);
      expect((await listAll('&resource_type=organization')).map((e) => e.seq)).toEqual([1]);
      expect((await listAll('&actor=user:owner@acme.dev')).length).toBe(all.length - 1);
      const last = all.at(-1)!;
      expect((await listAll(`&from=${last.time}`)).map((e) => e.seq)).toEqual([last.seq]);
      expect((await listAll(`&to=${all[0]!.time}`)).map((e) => e.seq)).toEqual([1]);
      await expectProblem(
        await h.request('/api/v1/audit?from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'),
        400,
        'from',
      );
    });

    it('needs audit:read', async () => {
      const secret = await personToken(h.services.db, orgId, 'plain@acme.dev', 'member');
      await expectProblem(await h.request('/api/v1/audit', { token: secret }), 403);
    });

    it("never shows another organization's entries", async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'initech' } });
      expect(created.status).toBe(201);
      const { owner_token: other, id: initech } = (await created.json()) as {
        owner_token: string;
        id: string;
      };
      const foreignSocket = await createSocket('alpha', other);

      // The creation opens the new organization's log, and only that log: the creator's other organization
      // does not learn that its member made one.
      const theirs = await listAll('', other);
      expect(theirs.map((e) => [e.action, e.resource_id])).toEqual([
        ['organization.create', initech],
        ['socket.create', foreignSocket],
      ]);
      expect(await verifyAuditChain(theirs)).toMatchObject({ valid: true, entries_checked: 2 });
      const ours = await listAll('', undefined, 500);
      expect(ours.map((e) => e.resource_id)).not.toContain(foreignSocket);
      expect(ours.map((e) => e.resource_id)).not.toContain(initech);
      expect(await listAll(`&resource_id=${foreignSocket}`)).toEqual([]);
    });

    it('reports the first tampered entry', async () => {
      const tampered = (await listAll(`&resource_id=${socketIds[1]}&action=socket.create`))[0]!;
      await h.services.db
        .updateTable('audit_entries')
        .set({ details: JSON.stringify({ name: 'not-beta' }) })
        .where('org_id', '=', orgId)
        .where('seq', '=', tampered.seq)
        .execute();
      const result = await verifyAuditChain(await listAll());
      expect(result.valid).toBe(false);
      expect(result.broken_at?.seq).toBe(tampered.seq);
      expect(result.entries_checked).toBe(tampered.seq - 1);
    });
  });
}
