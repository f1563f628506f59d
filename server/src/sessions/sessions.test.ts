/**
 * Sessions API: reports of the proxy that carries a session (and of no one else), listing with filters and
 * cursors, members' own view, terminate, tenancy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { personToken } from '../../test/support/person-token.js';
import { isId, newId } from '../platform/ids.js';
import { issueProxyToken } from '../proxies/proxy-store.js';

interface SessionBody {
  id: string;
  socket_id: string;
  socket_name: string;
  user: { email: string | null; service_account: string | null };
  started_at: string;
  last_seen_at: string;
  ended_at: string | null;
  live: boolean;
  result: string;
  reason: string | null;
  bytes_in: number;
  bytes_out: number;
  terminate_requested_at: string | null;
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function expectProblem(res: Response, status: number, field?: string) {
  const body = (await res.json()) as { status: number; errors?: { field: string }[] };
  expect(res.status, JSON.stringify(body)).toBe(status);
  if (field) expect(body.errors?.map((e) => e.field)).toContain(field);
}

for (const dialect of DIALECTS) {
  describe(`sessions (${dialect})`, () => {
    let h: Harness;
    let socketId: string;

    /** What a proxy reports of a new session on `socket` (an id, or a name in the organization of `token`). */
    const report = async (json: Record<string, unknown>, token?: string) => {
      const { socket, ...rest } = json as { socket: string };
      const socketId = isId(socket)
        ? socket
        : (
            (await (await h.request(`/api/v1/sockets/${socket}`, { ...(token && { token }) })).json()) as {
              id: string;
            }
          ).id;
      const res = await h.request('/api/v1/proxy/sessions', {
        method: 'POST',
        token: h.proxyToken,
        json: { socket_id: socketId, ...rest },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as SessionBody;
    };
    const patch = (id: string, json: Record<string, unknown>, token = h.proxyToken) =>
      h.request(`/api/v1/proxy/sessions/${id}`, { method: 'PATCH', json, token });
    const addEvent = (id: string, json: Record<string, unknown>, token = h.proxyToken) =>
      h.request(`/api/v1/proxy/sessions/${id}/events`, { method: 'POST', json, token });
    const list = async (query: string, token?: string) => {
      const res = await h.request(`/api/v1/sessions?${query}`, { ...(token && { token }) });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Page<SessionBody>;
    };
    const createSocket = async (name: string, token?: string) => {
      const res = await h.request('/api/v1/sockets', {
        method: 'POST',
        ...(token && { token }),
        json: {
          name,
          socket_type: 'http',
          upstream_configuration: { type: 'http', hostname: '127.0.0.1', port: 8080 },
        },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };

    beforeAll(async () => {
      h = await createHarness(dialect);
      socketId = await createSocket('web');
    });
    afterAll(async () => {
      await h?.close();
    });

    it('records a reported session and audits its creation', async () => {
      const s = await report({
        socket: 'web',
        user_email: 'Alice@Acme.dev',
        client_ip: '192.0.2.7',
        client_port: 50123,
        country: 'NL',
        result: 'allowed',
      });
      expect(s).toMatchObject({
        socket_id: socketId,
        socket_name: 'web',
        user: { email: 'alice@acme.dev', service_account: null },
        live: true,
        ended_at: null,
        result: 'allowed',
        bytes_in: 0,
        bytes_out: 0,
        terminate_requested_at: null,
      });
      expect(s.last_seen_at).toBe(s.started_at);
      const got = await h.request(`/api/v1/sessions/${s.id}`);
      expect(await got.json()).toEqual(s);
      const audit = await h.request(`/api/v1/audit?action=session.create&resource_id=${s.id}`);
      expect(((await audit.json()) as Page<unknown>).items).toHaveLength(1);
    });

    it('creates a denied session already ended, and refuses an unknown socket', async () => {
      const s = await report({
        socket: socketId,
        service_account: 'ci-bot',
        result: 'denied',
        reason: 'no policy',
      });
      expect(s).toMatchObject({ live: false, result: 'denied', reason: 'no policy' });
      expect(s.ended_at).toBe(s.started_at);
      const res = await h.request('/api/v1/proxy/sessions', {
        method: 'POST',
        token: h.proxyToken,
        json: { socket_id: newId(), result: 'allowed' },
      });
      await expectProblem(res, 400, 'socket_id');
    });

    it('walks every session exactly once, newest first', async () => {
      for (let i = 0; i < 7; i++)
        await report({ socket: 'web', user_email: `walker${i}@acme.dev`, result: 'allowed' });
      const all = await list('limit=500');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<SessionBody> = await list(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((s) => s.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all.items.map((s) => s.id));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort().reverse()).toEqual(seen);
      expect(seen.length).toBeGreaterThanOrEqual(9);
      await expectProblem(await h.request('/api/v1/sessions?cursor=bm9wZQ'), 400, 'cursor');
    });

    it('narrows the list with each filter', async () => {
      const dbSocket = await createSocket('db-filter');
      const a = await report({ socket: 'db-filter', user_email: 'filter@acme.dev', result: 'allowed' });
      const b = await report({ socket: dbSocket, service_account: 'filter-bot', result: 'denied' });
      await h.services.db
        .updateTable('sessions')
        .set({ started_at: '2020-01-01T00:00:00.000Z' })
        .where('id', '=', b.id)
        .execute();
      const ids = async (query: string) => (await list(`limit=500&${query}`)).items.map((s) => s.id);

      expect(await ids('socket=db-filter')).toEqual([b.id, a.id]);
      expect(await ids(`socket=${dbSocket}`)).toEqual([b.id, a.id]);
      expect(await ids('user=FILTER@acme.dev')).toEqual([a.id]);
      expect(await ids('user=filter-bot')).toEqual([b.id]);
      expect(await ids('socket=db-filter&result=denied')).toEqual([b.id]);
      expect(await ids('socket=db-filter&live=true')).toEqual([a.id]);
      expect(await ids('socket=db-filter&live=false')).toEqual([b.id]);
      expect(await ids('socket=db-filter&to=2021-01-01T00:00:00Z')).toEqual([b.id]);
      expect(await ids('socket=db-filter&from=2021-01-01T00:00:00Z')).toEqual([a.id]);
      expect(await ids('from=2019-12-31T23:00:00Z&to=2020-01-01T00:00:00Z')).toEqual([b.id]);
      await expectProblem(
        await h.request('/api/v1/sessions?from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'),
        400,
        'from',
      );
      await expectProblem(await h.request('/api/v1/sessions?live=maybe'), 400, 'live');

      // Sessions outlive their socket and stay findable by its id and name.
      expect((await h.request(`/api/v1/sockets/${dbSocket}`, { method: 'DELETE' })).status).toBe(204);
      expect(await ids(`socket=${dbSocket}`)).toEqual([b.id, a.id]);
      expect(await ids('socket=db-filter')).toEqual([b.id, a.id]);
    });

    it('keeps byte totals from decreasing and refuses updates after the end', async () => {
      const s = await report({ socket: 'web', user_email: 'bytes@acme.dev', result: 'allowed' });
      const up = await patch(s.id, { bytes_in: 100, bytes_out: 2000 });
      expect(up.status).toBe(200);
      const body = (await up.json()) as SessionBody;
      expect(body).toMatchObject({ bytes_in: 100, bytes_out: 2000, live: true });
      expect(body.last_seen_at >= s.last_seen_at).toBe(true);
      await expectProblem(await patch(s.id, { bytes_in: 99 }), 400, 'bytes_in');
      await expectProblem(await patch(s.id, { bytes_in: 100, bytes_out: 1 }), 400, 'bytes_out');
      await expectProblem(await patch(s.id, { bytes_in: -1 }), 400, 'bytes_in');
      const big = 2 ** 40;
      const ended = await patch(s.id, { bytes_in: big, ended: true, reason: 'client closed' });
      expect(await ended.json()).toMatchObject({
        bytes_in: big,
        bytes_out: 2000,
        live: false,
        result: 'allowed',
      });
      await expectProblem(await patch(s.id, { bytes_in: big + 1 }), 409);
    });

    it('terminates a live session once; after it ends a terminate is a conflict', async () => {
      const s = await report({ socket: 'web', user_email: 'victim@acme.dev', result: 'allowed' });
      const res = await h.request(`/api/v1/sessions/${s.id}/terminate`, { method: 'POST' });
      expect(res.status).toBe(202);
      const t = (await res.json()) as SessionBody;
      expect(t.terminate_requested_at).not.toBeNull();
      expect(t.live).toBe(true);
      const audit = await h.request(`/api/v1/audit?action=session.terminate&resource_id=${s.id}`);
      expect(((await audit.json()) as Page<unknown>).items).toHaveLength(1);

      const ended = (await (await patch(s.id, { ended: true })).json()) as SessionBody;
      expect(ended).toMatchObject({ live: false, result: 'terminated' });
      await expectProblem(await h.request(`/api/v1/sessions/${s.id}/terminate`, { method: 'POST' }), 409);
    });

    it('stores an event once for the same Idempotency-Key, and refuses the key for another event', async () => {
      const s = await report({ socket: 'web', user_email: 'idem@acme.dev', result: 'allowed' });
      const send = (command: string) =>
        h.request(`/api/v1/proxy/sessions/${s.id}/events`, {
          method: 'POST',
          token: h.proxyToken,
          headers: { 'idempotency-key': `event-${s.id}` },
          json: { type: 'ssh.exec', data: { command } },
        });
      const first = await send('uptime');
      const again = await send('uptime');
      expect(again.status).toBe(201);
      expect(await again.json()).toEqual(await first.json());
      expect((await send('reboot')).status).toBe(422);
      const events = (await (await h.request(`/api/v1/sessions/${s.id}/events`)).json()) as Page<unknown>;
      expect(events.items).toHaveLength(1);
    });

    it('stores events and pages through them in order', async () => {
      const s = await report({ socket: 'web', user_email: 'events@acme.dev', result: 'allowed' });
      const added: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await addEvent(s.id, { type: 'http.request', data: { path: `/p${i}`, status: 200 } });
        expect(res.status).toBe(201);
        const e = (await res.json()) as { id: string; type: string; data: unknown };
        expect(typeof e.id).toBe('string');
        expect(e.data).toEqual({ path: `/p${i}`, status: 200 });
        added.push(e.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.request(
          `/api/v1/sessions/${s.id}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const page = (await res.json()) as Page<{ id: string; data: { path: string } }>;
        seen.push(...page.items.map((e) => e.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(added);
      const bad = Buffer.from('12x').toString('base64url');
      await expectProblem(await h.request(`/api/v1/sessions/${s.id}/events?cursor=${bad}`), 400, 'cursor');
      const huge = await addEvent(s.id, { type: 'blob', data: { x: 'a'.repeat(70_000) } });
      await expectProblem(huge, 400, 'data');
      await expectProblem(await addEvent(s.id, { type: '', data: {} }), 400, 'type');
    });

    it('lists the recordings of a session', async () => {
      const s = await report({ socket: 'web', user_email: 'rec@acme.dev', result: 'allowed' });
      const orgId = (await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow())
        .id;
      await h.services.db
        .insertInto('recordings')
        .values({
          id: newId(),
          org_id: orgId,
          session_id: s.id,
          format: 'http-log',
          started_at: s.started_at,
          ended_at: null,
          size_bytes: 1234,
          storage_key: `recordings/${s.id}/1`,
        })
        .execute();
      const res = await h.request(`/api/v1/sessions/${s.id}/recordings`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page<Record<string, unknown>>;
      expect(page.items).toEqual([
        {
          id: expect.any(String),
          session_id: s.id,
          format: 'http-log',
          started_at: s.started_at,
          ended_at: null,
          size_bytes: 1234,
        },
      ]);
    });

    it('shows a member only their own sessions', async () => {
      const org = await h.services.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
      const secret = await personToken(h.services.db, org.id, 'Member@Acme.dev', 'member');
      const mine = await report({ socket: 'web', user_email: 'MEMBER@acme.dev', result: 'allowed' });
      const theirs = await report({ socket: 'web', user_email: 'someone@acme.dev', result: 'allowed' });

      const page = await list('limit=500', secret);
      expect(page.items.map((s) => s.id)).toEqual([mine.id]);
      expect((await list(`limit=500&user=someone@acme.dev`, secret)).items).toEqual([]);
      expect((await h.request(`/api/v1/sessions/${mine.id}`, { token: secret })).status).toBe(200);
      expect((await h.request(`/api/v1/sessions/${mine.id}/events`, { token: secret })).status).toBe(200);
      await expectProblem(await h.request(`/api/v1/sessions/${theirs.id}`, { token: secret }), 404);
      await expectProblem(await h.request(`/api/v1/sessions/${theirs.id}/events`, { token: secret }), 404);
      await expectProblem(
        await h.request(`/api/v1/sessions/${theirs.id}/recordings`, { token: secret }),
        404,
      );
      await expectProblem(
        await h.request(`/api/v1/sessions/${mine.id}/terminate`, { method: 'POST', token: secret }),
        403,
      );
      await expectProblem(await patch(mine.id, { bytes_in: 1 }, secret), 403);
      await expectProblem(await addEvent(mine.id, { type: 'x', data: {} }, secret), 403);
    });

    it("never shows another organization's sessions", async () => {
      const created = await h.request('/api/v1/organizations', { method: 'POST', json: { name: 'globex' } });
      expect(created.status).toBe(201);
      const other = ((await created.json()) as { owner_token: string }).owner_token;
      await createSocket('web', other);
      const foreign = await report({ socket: 'web', user_email: 'x@globex.dev', result: 'allowed' }, other);
      const own = await report({ socket: 'web', user_email: 'y@acme.dev', result: 'allowed' });

      await expectProblem(await h.request(`/api/v1/sessions/${foreign.id}`), 404);
      await expectProblem(await h.request(`/api/v1/sessions/${foreign.id}/events`), 404);
      await expectProblem(
        await h.request(`/api/v1/sessions/${foreign.id}/terminate`, { method: 'POST' }),
        404,
      );
      expect((await list('limit=500')).items.map((s) => s.id)).not.toContain(foreign.id);
      expect((await list('limit=500', other)).items.map((s) => s.id)).toEqual([foreign.id]);
      await expectProblem(await h.request(`/api/v1/sessions/${own.id}`, { token: other }), 404);
      expect(foreign.socket_id).not.toBe(socketId);
    });

    it('lets no organization token write a session, its events or its recordings: evidence', async () => {
      const s = await report({ socket: 'web', user_email: 'evidence@acme.dev', result: 'allowed' });
      const writes: [string, string, unknown][] = [
        ['POST', '/api/v1/sessions', { socket: 'web', result: 'allowed' }],
        ['PATCH', `/api/v1/sessions/${s.id}`, { bytes_in: 1, ended: true, reason: 'rewritten' }],
        ['POST', `/api/v1/sessions/${s.id}/events`, { type: 'ssh.exec', data: { command: 'forged' } }],
        ['PATCH', `/api/v1/proxy/sessions/${s.id}`, { ended: true, reason: 'rewritten' }],
        ['POST', `/api/v1/proxy/sessions/${s.id}/events`, { type: 'ssh.exec', data: { command: 'forged' } }],
        ['POST', `/api/v1/proxy/sessions/${s.id}/recordings`, { format: 'asciicast-v2' }],
      ];
      const before = await h.services.db.selectFrom('sessions').selectAll().where('id', '=', s.id).execute();
      for (const [method, path, json] of writes) {
        // The owner's token: an organization route that writes sessions does not exist (404 or 405), and
        // the proxies' refuse every organization token.
        const res = await h.request(path, { method, json });
        expect([403, 404, 405], `${method} ${path}`).toContain(res.status);
      }
      expect(await h.services.db.selectFrom('sessions').selectAll().where('id', '=', s.id).execute()).toEqual(
        before,
      );
      expect(
        (await (await h.request(`/api/v1/sessions/${s.id}/events`)).json()) as Page<unknown>,
      ).toMatchObject({
        items: [],
      });
    });

    it('lets only the proxy that opened a session report on it', async () => {
      const s = await report({ socket: 'web', user_email: 'bound@acme.dev', result: 'allowed' });
      const other = (await issueProxyToken(h.services.db, `other-${dialect}`)).token;
      await expectProblem(await patch(s.id, { bytes_in: 5, ended: true }, other), 404);
      await expectProblem(
        await addEvent(s.id, { type: 'ssh.exec', data: { command: 'forged' } }, other),
        404,
      );
      await expectProblem(
        await h.request(`/api/v1/proxy/sessions/${s.id}/recordings`, {
          method: 'POST',
          token: other,
          json: { format: 'asciicast-v2' },
        }),
        404,
      );
      const still = (await (await h.request(`/api/v1/sessions/${s.id}`)).json()) as SessionBody;
      expect(still).toMatchObject({ live: true, bytes_in: 0 });
      // Its own proxy still reports.
      expect((await patch(s.id, { bytes_in: 5 })).status).toBe(200);
    });
  });
}
