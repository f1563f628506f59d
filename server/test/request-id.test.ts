/**
 * Request ids: the server always makes its own (answer header, problems, logs, audit entries); a caller's
 * `X-Request-Id` is kept apart as `client_request_id` when it is printable ASCII of at most 128 characters,
 * and is covered by the audit chain's hashes.
 */
import { Writable } from 'node:stream';
import { verifyAuditChain } from '@border0/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createHarness, type Harness } from './harness.js';

interface AuditEntry {
  seq: number;
  action: string;
  resource_id: string | null;
  request_id: string | null;
  client_request_id: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids (pglite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(() => h?.close());

  let n = 0;
  /** Creates a group sending `clientId` as X-Request-Id; answers the response and the group's audit entry. */
  async function createGroup(clientId?: string) {
    const res = await h.request('/api/v1/groups', {
      method: 'POST',
      json: { name: `rid-${++n}` },
      headers: clientId === undefined ? {} : { 'x-request-id': clientId },
    });
    expect(res.status).toBe(201);
    const group = (await res.json()) as { id: string };
    const page = (await (await h.request(`/api/v1/audit?resource_id=${group.id}`)).json()) as {
      items: AuditEntry[];
    };
    expect(page.items).toHaveLength(1);
    return { res, entry: page.items[0]! };
  }

  it('answers every request with an id of its own, whatever the caller sent', async () => {
    for (const sent of [undefined, 'abc', 'caller-chosen-0192f5a4', '']) {
      const res = await h.request('/api/v1/sockets', {
        headers: sent === undefined ? {} : { 'x-request-id': sent },
      });
      const id = res.headers.get('x-request-id')!;
      expect(id, String(sent)).toMatch(UUID);
      expect(id).not.toBe(sent);
    }
    const problem = await h.request('/api/v1/sockets/nope', { headers: { 'x-request-id': 'mine' } });
    const body = (await problem.json()) as { request_id: string };
    expect(body.request_id).toBe(problem.headers.get('x-request-id'));
    expect(body.request_id).toMatch(UUID);
  });

  it('stores the server’s id as request_id and the caller’s apart as client_request_id', async () => {
    const sent = 'ci-run-42/step 3';
    const { res, entry } = await createGroup(sent);
    expect(entry.request_id).toBe(res.headers.get('x-request-id'));
    expect(entry.request_id).toMatch(UUID);
    expect(entry.client_request_id).toBe(sent);
  });

  it('cannot choose the server’s id, not even with a well-formed UUID of its own', async () => {
    const forged = '01234567-89ab-cdef-0123-456789abcdef';
    const { entry } = await createGroup(forged);
    expect(entry.request_id).not.toBe(forged);
    expect(entry.client_request_id).toBe(forged);
  });

  it('keeps 1 to 128 printable ASCII characters, and ignores anything else', async () => {
    // Leading and trailing spaces never reach the server: HTTP trims field values.
    const kept = ['x', 'a'.repeat(128), '!"#$%&\'()*+,-./0-9:;<=>? @A-Z[\\]^_`a-z{|}~'];
    for (const sent of kept) expect((await createGroup(sent)).entry.client_request_id).toBe(sent);
    // Headers are ByteStrings: Latin-1 letters and tabs can come, and are not printable ASCII.
    const ignored = [undefined, 'a'.repeat(129), 'café', 'tab\there', `x${'\u00a0'}y`];
    for (const sent of ignored) {
      const { entry } = await createGroup(sent);
      expect(entry.client_request_id, JSON.stringify(sent)).toBeNull();
      expect(entry.request_id).toMatch(UUID);
    }
  });

  it('keeps the audit chain verifiable, the caller’s ids included in the hashes', async () => {
    const page = (await (await h.request('/api/v1/audit?limit=500')).json()) as {
      items: (AuditEntry & { hash: string })[];
    };
    expect(page.items.some((e) => e.client_request_id !== null)).toBe(true);
    expect(await verifyAuditChain(page.items as never)).toMatchObject({ valid: true });
    const forged = page.items.map((e) =>
      e.client_request_id === null ? e : { ...e, client_request_id: 'forged' },
    );
    expect(await verifyAuditChain(forged as never)).toMatchObject({ valid: false });
  });

  it('logs both ids on the request line', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const app = createApp({ ...h.services, logger: pino(sink) }, { defaultMetrics: false });
    const res = await app.fetch(
      new Request('http://test/api/v1/sockets', {
        headers: { authorization: `Bearer ${h.ownerToken}`, 'x-request-id': 'trace-7' },
      }),
    );
    await app.fetch(new Request('http://test/healthz', { headers: { 'x-request-id': 'bad\u00ff' } }));
    const [withId, without] = lines.filter((l) => l.msg === 'request');
    expect(withId).toMatchObject({
      request_id: res.headers.get('x-request-id'),
      client_request_id: 'trace-7',
    });
    expect(without).toMatchObject({ request_id: expect.stringMatching(UUID) });
    expect(without).not.toHaveProperty('client_request_id');
  });
});
