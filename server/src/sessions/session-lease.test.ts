/**
 * Session leases on each store: a proxy re-asserts the live sessions it carries and hears which to end; the
 * control plane ends the live sessions whose proxy stopped reporting, with their recordings (and their
 * followers), safely from several instances at once, and never before it has watched for a whole lease.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';
import { sessionLeaseSweep } from '../housekeeping.js';
import { newId } from '../platform/ids.js';
import { issueProxyToken } from '../proxies/proxy-store.js';
import { endLapsedSessions, sessionLeaseMs } from './session-lease-store.js';

const LEASE_MS = sessionLeaseMs(10);
const silent = pino({ level: 'silent' });

for (const dialect of DIALECTS) {
  describe(`session leases (${dialect})`, () => {
    let h: Harness;
    let socketId: string;
    let otherProxyToken: string;
    const { read, owner, asProxy } = apiCalls(() => h);

    const startSession = async (token = h.proxyToken): Promise<Body> =>
      read(
        h.request('/api/v1/proxy/sessions', {
          method: 'POST',
          token,
          json: { socket_id: socketId, user_email: 'alice@acme.dev', result: 'allowed' },
        }),
        201,
      );
    const session = (id: string): Promise<Body> => read(owner(`/sessions/${id}`));
    const startRecording = (sessionId: string): Promise<Body> =>
      read(
        asProxy(`/sessions/${sessionId}/recordings`, { method: 'POST', json: { format: 'asciicast-v2' } }),
        201,
      );
    const recording = (sessionId: string, id: string): Promise<Body> =>
      read(owner(`/sessions/${sessionId}/recordings`)).then((page) =>
        page.items.find((r: Body) => r.id === id),
      );
    /** As if the proxy had last spoken of these sessions `ago` ms before now. */
    const lastHeard = (ids: string[], ago: number) =>
      h.services.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(Date.now() - ago) })
        .where('id', 'in', ids)
        .execute();
    const renew = (ids: string[], token = h.proxyToken): Promise<Body> =>
      read(h.request('/api/v1/proxy/sessions/live', { method: 'POST', token, json: { session_ids: ids } }));

    beforeAll(async () => {
      h = await createHarness(dialect);
      socketId = (
        await read(
          owner('/sockets', {
            method: 'POST',
            json: {
              name: 'cache',
              socket_type: 'tls',
              upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
            },
          }),
          201,
        )
      ).id;
      otherProxyToken = (await issueProxyToken(h.services.db, 'other proxy')).token;
    });
    afterAll(() => h?.close());

    it('tells a registering proxy its heartbeat and the lease of its sessions', async () => {
      const registered = await read(
        asProxy('/register', { method: 'POST', json: { name: 'p1', public_address: '127.0.0.1:8443' } }),
      );
      expect(registered).toMatchObject({ heartbeat_interval_seconds: 10, session_lease_seconds: 35 });
    });

    it('renews the sessions a proxy re-asserts, and answers which of them it must end and why', async () => {
      const [live, ended, terminated] = [await startSession(), await startSession(), await startSession()];
      const foreign = await startSession(otherProxyToken);
      await read(asProxy(`/sessions/${ended.id}`, { method: 'PATCH', json: { ended: true } }));
      await read(owner(`/sessions/${terminated.id}/terminate`, { method: 'POST' }), 202);
      await lastHeard([live.id, terminated.id, foreign.id], 20_000);
      const unknown = newId();

      const answer = await renew([live.id, ended.id, terminated.id, foreign.id, unknown]);
      expect(answer.session_lease_seconds).toBe(35);
      const reasons = Object.fromEntries(answer.end.map((e: Body) => [e.session_id, e.reason]));
      expect(Object.keys(reasons).sort()).toEqual([ended.id, terminated.id, foreign.id, unknown].sort());
      expect(reasons[terminated.id]).toBe('terminated by an administrator');
      expect(reasons[ended.id]).toMatch(/^the session has ended/);
      expect(reasons[foreign.id]).toMatch(/knows no such session of this proxy/);
      // Renewed: the one this proxy carries and nobody asked to end. Not the other proxy's, not the terminated.
      const age = async (id: string) => Date.now() - Date.parse((await session(id)).last_seen_at);
      expect(await age(live.id)).toBeLessThan(5000);
      expect(await age(foreign.id)).toBeGreaterThan(15_000);
      expect(await age(terminated.id)).toBeGreaterThan(15_000);
    });

    it('refuses more than 1000 ids and ids that are not ids', async () => {
      const many = Array.from({ length: 1001 }, () => newId());
      await read(asProxy('/sessions/live', { method: 'POST', json: { session_ids: many } }), 400);
      await read(asProxy('/sessions/live', { method: 'POST', json: { session_ids: ['../x'] } }), 400);
      await read(owner('/proxy/sessions/live', { method: 'POST', json: { session_ids: [] } }), 403);
    });

    it('ends the live sessions whose proxy stopped reporting, with why, and closes their recordings', async () => {
      const [silentOne, heard, terminatedOne, endedLongAgo] = [
        await startSession(),
        await startSession(),
        await startSession(),
        await startSession(),
      ];
      const recordings = {
        silent: await startRecording(silentOne.id),
        heard: await startRecording(heard.id),
        endedLongAgo: await startRecording(endedLongAgo.id),
      };
      await read(owner(`/sessions/${terminatedOne.id}/terminate`, { method: 'POST' }), 202);
      await lastHeard([silentOne.id, terminatedOne.id], LEASE_MS + 1000);
      // A proxy that ended a session but died before ending its recording.
      await read(asProxy(`/sessions/${endedLongAgo.id}`, { method: 'PATCH', json: { ended: true } }));
      await h.services.db
        .updateTable('sessions')
        .set({ ended_at: new Date(Date.now() - LEASE_MS - 1000) })
        .where('id', '=', endedLongAgo.id)
        .execute();
      const follower = await owner(
        `/sessions/${silentOne.id}/recordings/${recordings.silent.id}?follow=true`,
      );
      expect(follower.status).toBe(200);
      const followed = follower.body!.getReader();
      const followerDone = (async () => {
        while (!(await followed.read()).done) {}
        return true;
      })();

      const swept = await endLapsedSessions(h.services.db, LEASE_MS);
      expect(swept.sessions).toBeGreaterThanOrEqual(2);

      expect(await session(silentOne.id)).toMatchObject({
        live: false,
        result: 'failed',
        reason: 'ended by the control plane: the proxy carrying it stopped reporting it (no word for 35 s)',
      });
      expect(await session(terminatedOne.id)).toMatchObject({ live: false, result: 'terminated' });
      expect(await session(heard.id)).toMatchObject({ live: true, ended_at: null });
      expect((await recording(silentOne.id, recordings.silent.id)).ended_at).not.toBeNull();
      expect((await recording(endedLongAgo.id, recordings.endedLongAgo.id)).ended_at).not.toBeNull();
      expect((await recording(heard.id, recordings.heard.id)).ended_at).toBeNull();
      expect(await followerDone).toBe(true);
      // Its proxy, back, hears that the session is over; its late report is refused.
      const answer = await renew([silentOne.id, heard.id]);
      expect(answer.end.map((e: Body) => e.session_id)).toEqual([silentOne.id]);
      await read(asProxy(`/sessions/${silentOne.id}`, { method: 'PATCH', json: { bytes_in: 1 } }), 409);
    }, 15_000);

    it('ends each lapsed session once when several instances sweep at the same time', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await startSession()).id);
      await lastHeard(ids, LEASE_MS + 1000);
      const rounds = await Promise.all([1, 2, 3].map(() => endLapsedSessions(h.services.db, LEASE_MS)));
      expect(rounds.reduce((sum, round) => sum + round.sessions, 0)).toBe(40);
      const rows = await h.services.db
        .selectFrom('sessions')
        .select('ended_at')
        .where('id', 'in', ids)
        .execute();
      expect(rows.every((row) => row.ended_at !== null)).toBe(true);
    });

    it('ends nothing until the instance has watched for a whole lease', async () => {
      const quiet = await startSession();
      await lastHeard([quiet.id], LEASE_MS + 1000);
      let clock = Date.now();
      const sweep = sessionLeaseSweep(h.services.db, silent, LEASE_MS, () => clock);
      await sweep();
      clock += LEASE_MS - 1000;
      await sweep();
      expect((await session(quiet.id)).live).toBe(true);
      clock += 1000;
      await sweep();
      expect((await session(quiet.id)).live).toBe(false);
    });
  });
}
