/**
 * Recordings on each store: a proxy starts one, streams it in numbered chunks (out of order, retried) through
 * the SDK and ends it; admins read it back whole or follow it live; members reach only their own sessions';
 * another organization reaches nothing. Then the server's own recording storage, over real HTTP.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asciicastEventLine, asciicastHeaderLine, parseAsciicast } from '@border0/protocol';
import { type Border0Client, createClient } from '@border0/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, DIALECTS, type Harness } from '../../test/harness.js';
import { apiCalls, type Body } from '../../test/support/api-calls.js';
import { personToken } from '../../test/support/person-token.js';
import { startServer } from '../server.js';
import { LocalDirectoryStorage } from './local-storage.js';
import { MAX_CHUNK_BYTES } from './recording-schemas.js';

const encode = (text: string) => new TextEncoder().encode(text);
const decoder = new TextDecoder();

/** A cast as a proxy writes it: the header in chunk 0, then one output event per chunk. */
function castChunks(count: number): Uint8Array[] {
  const lines = [asciicastHeaderLine({ version: 2, width: 80, height: 24, env: { TERM: 'xterm-256color' } })];
  for (let i = 1; i < count; i++) lines.push(asciicastEventLine(i * 0.5, 'o', `line ${i} ✓\r\n`));
  return lines.map(encode);
}

/** Reads a stream until `done(text so far)` holds, or fails at the deadline. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  sofar: { text: string },
  done: (text: string) => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done(sofar.text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`stream did not deliver in time; got ${JSON.stringify(sofar.text)}`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      reader.read(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') continue;
    if (next.done) throw new Error(`stream ended early; got ${JSON.stringify(sofar.text)}`);
    sofar.text += decoder.decode(next.value, { stream: true });
  }
}

/** Resolves true when the stream ends (after draining what is left), false at the deadline. */
async function endsWithin(reader: ReadableStreamDefaultReader<Uint8Array>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      reader.read(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') return false;
    if (next.done) return true;
  }
}

/** Waits, without timers (they may be faked), until `condition` holds. */
async function until(condition: () => boolean, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns && !condition(); turn++)
    await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

for (const dialect of DIALECTS) {
  describe(`recordings (${dialect})`, () => {
    let h: Harness;
    let proxy: Border0Client;
    let orgId: string;
    let socketId: string;
    const { read, owner, asProxy } = apiCalls(() => h);
    const CHUNK = '/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}' as const;

    /** A live session on the socket, as the proxy reports it. */
    const startSession = async (userEmail = 'alice@acme.dev'): Promise<Body> =>
      read(
        asProxy('/sessions', {
          method: 'POST',
          json: { socket_id: socketId, user_email: userEmail, client_ip: '203.0.113.9', result: 'allowed' },
        }),
        201,
      );
    const startRecording = (sessionId: string) =>
      proxy.post('/api/v1/proxy/sessions/{session_id}/recordings', {
        params: { path: { session_id: sessionId } },
        body: { format: 'asciicast-v2' },
      });
    /** The SDK call a proxy makes for a chunk: bytes sent as they are. */
    const putChunk = (sessionId: string, recordingId: string, seq: number, bytes: Uint8Array) =>
      proxy.put(CHUNK, {
        params: { path: { session_id: sessionId, recording_id: recordingId, seq } },
        body: bytes,
        bodySerializer: (body) => body,
        headers: { 'content-type': 'application/octet-stream' },
      });
    const rawChunk = (
      sessionId: string,
      recordingId: string,
      seq: string,
      body: Uint8Array | string,
      type = 'application/octet-stream',
    ) =>
      asProxy(`/sessions/${sessionId}/recordings/${recordingId}/chunks/${seq}`, {
        method: 'PUT',
        headers: { 'content-type': type },
        ...({ body } as object),
      });
    const endRecording = (sessionId: string, recordingId: string) =>
      proxy.post('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end', {
        params: { path: { session_id: sessionId, recording_id: recordingId } },
      });
    const getRecording = (sessionId: string, recordingId: string, query = '', token?: string) =>
      owner(`/sessions/${sessionId}/recordings/${recordingId}${query}`, token ? { token } : {});
    const problem = async (res: Response | Promise<Response>, status: number, field?: string) => {
      const body = await read(res, status);
      expect(body.type).toMatch(/^\/problems\//);
      if (field) expect(body.errors?.map((e: { field: string }) => e.field)).toContain(field);
      return body;
    };

    beforeAll(async () => {
      h = await createHarness(dialect);
      proxy = createClient({
        baseUrl: 'http://test',
        token: h.proxyToken,
        fetch: h.fetch,
        retry: { retries: 0 },
      });
      orgId = (await read(owner('/organizations/current'))).id;
      const socket = await read(
        owner('/sockets', {
          method: 'POST',
          json: {
            name: 'bastion',
            socket_type: 'ssh',
            upstream_configuration: {
              type: 'ssh',
              hostname: '127.0.0.1',
              port: 22,
              authentication_type: 'border0_certificate',
              username_provider: 'defined',
              username: 'ubuntu',
            },
          },
        }),
        201,
      );
      socketId = socket.id;
    });
    afterAll(() => h?.close());

    it('stores chunks put out of order and retried, and reads them back in order as one cast', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      expect(recording).toEqual({
        id: expect.any(String),
        session_id: session.id,
        format: 'asciicast-v2',
        started_at: expect.any(String),
        ended_at: null,
        size_bytes: 0,
      });
      const chunks = castChunks(4);
      for (const seq of [2, 0, 3, 1]) await putChunk(session.id, recording.id, seq, chunks[seq]!);
      // A retry of chunk 1 (its answer was lost): replaced, never duplicated.
      await putChunk(session.id, recording.id, 1, chunks[1]!);
      const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);

      const ended = await endRecording(session.id, recording.id);
      expect(ended).toMatchObject({ id: recording.id, size_bytes: total, ended_at: expect.any(String) });
      // Ending again is a retry too: the same answer.
      expect(await endRecording(session.id, recording.id)).toEqual(ended);

      const res = await getRecording(session.id, recording.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-asciicast');
      const text = await res.text();
      expect(text).toBe(chunks.map((chunk) => decoder.decode(chunk)).join(''));
      const cast = parseAsciicast(text);
      expect(cast.header).toMatchObject({ version: 2, width: 80, height: 24 });
      expect(cast.events).toEqual([
        [0.5, 'o', 'line 1 ✓\r\n'],
        [1, 'o', 'line 2 ✓\r\n'],
        [1.5, 'o', 'line 3 ✓\r\n'],
      ]);

      const row = await h.services.db
        .selectFrom('recordings')
        .selectAll()
        .where('id', '=', recording.id)
        .executeTakeFirstOrThrow();
      expect({ count: row.chunk_count, size: Number(row.size_bytes), key: row.storage_key }).toEqual({
        count: 4,
        size: total,
        key: `${orgId}/${session.id}/${recording.id}`,
      });
      // The key is the storage layout: ids the server made, nothing a caller wrote.
      expect(readdirSync(join(h.recordingsDir, orgId, session.id, recording.id))).toEqual([
        '0000000000.chunk',
        '0000000001.chunk',
        '0000000002.chunk',
        '0000000003.chunk',
      ]);
      const page = await read(owner(`/sessions/${session.id}/recordings`));
      expect(page).toEqual({ items: [ended], next_cursor: null });
    });

    it('counts a chunk replaced by a shorter one at its new size', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, encode('0123456789'));
      await putChunk(session.id, recording.id, 0, encode('abc'));
      const ended = await endRecording(session.id, recording.id);
      expect(ended.size_bytes).toBe(3);
      expect(await (await getRecording(session.id, recording.id)).text()).toBe('abc');
    });

    it('follows a live recording: chunks put after the request started arrive in order, and the stream ends with the recording', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      const chunks = castChunks(4);
      await putChunk(session.id, recording.id, 0, chunks[0]!);
      const res = await getRecording(session.id, recording.id, '?follow=true');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-asciicast');
      const reader = res.body!.getReader();
      const got = { text: '' };
      const upTo = (n: number) =>
        chunks
          .slice(0, n)
          .map((chunk) => decoder.decode(chunk))
          .join('');
      await readUntil(reader, got, (text) => text === upTo(1));
      // Chunk 2 before chunk 1: the follower waits for 1, then sends both in order.
      await putChunk(session.id, recording.id, 2, chunks[2]!);
      await putChunk(session.id, recording.id, 1, chunks[1]!);
      await readUntil(reader, got, (text) => text.length >= upTo(3).length);
      expect(got.text).toBe(upTo(3));
      await putChunk(session.id, recording.id, 3, chunks[3]!);
      await endRecording(session.id, recording.id);
      await readUntil(reader, got, (text) => text.length >= upTo(4).length);
      expect(await endsWithin(reader, 5000)).toBe(true);
      expect(got.text).toBe(upTo(4));
      expect(parseAsciicast(got.text).events).toHaveLength(3);
    });

    it('ends a follow shortly after the session ends, when the proxy never ends the recording', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, castChunks(1)[0]!);
      const res = await getRecording(session.id, recording.id, '?follow=true');
      const reader = res.body!.getReader();
      await readUntil(reader, { text: '' }, (text) => text.length > 0);
      await read(asProxy(`/sessions/${session.id}`, { method: 'PATCH', json: { ended: true } }));
      // The tail a proxy flushes after the connection closed is waited for (3 s), then the stream ends.
      expect(await endsWithin(reader, 8000)).toBe(true);
    }, 15_000);

    // pg's pool keeps timers of its own: counting the follower's is exact on PGlite only, so the test exists
    // there alone (rather than showing as skipped on PostgreSQL).
    const itOnPglite = dialect === 'pglite' ? it : ((() => undefined) as unknown as typeof it);
    itOnPglite('stops following when the reader leaves, and leaves no timer behind', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, castChunks(1)[0]!);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const res = await getRecording(session.id, recording.id, '?follow=true');
        const reader = res.body!.getReader();
        expect((await reader.read()).value?.length).toBeGreaterThan(0);
        // Asked for more, the follower polls on its timer: one pending while it waits for the next chunk.
        const next = reader.read();
        await until(() => vi.getTimerCount() === 1);
        for (let poll = 0; poll < 3; poll++) {
          vi.advanceTimersByTime(300);
          await until(() => vi.getTimerCount() === 1);
        }
        await reader.cancel();
        expect(vi.getTimerCount()).toBe(0);
        expect((await next).done).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it('reads a recording still being written as what has arrived so far, and an empty one as empty', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      const empty = await getRecording(session.id, recording.id);
      expect(empty.status).toBe(200);
      expect(await empty.text()).toBe('');
      const chunks = castChunks(3);
      await putChunk(session.id, recording.id, 0, chunks[0]!);
      await putChunk(session.id, recording.id, 2, chunks[2]!);
      expect(await (await getRecording(session.id, recording.id)).text()).toBe(
        decoder.decode(chunks[0]) + decoder.decode(chunks[2]),
      );
    });

    it('refuses a chunk after the end (409), and the recording stays as it was', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, encode('before\n'));
      await endRecording(session.id, recording.id);
      await problem(rawChunk(session.id, recording.id, '1', encode('late\n')), 409);
      await problem(rawChunk(session.id, recording.id, '0', encode('replaced\n')), 409);
      expect(await (await getRecording(session.id, recording.id)).text()).toBe('before\n');
      expect(readdirSync(join(h.recordingsDir, orgId, session.id, recording.id))).toEqual([
        '0000000000.chunk',
      ]);
    });

    it('refuses a chunk over 1 MiB (413) and takes one of exactly 1 MiB', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await problem(
        rawChunk(session.id, recording.id, '0', new Uint8Array(MAX_CHUNK_BYTES + 1).fill(65)),
        413,
      );
      expect(await (await getRecording(session.id, recording.id)).text()).toBe('');
      const res = await rawChunk(session.id, recording.id, '0', new Uint8Array(MAX_CHUNK_BYTES).fill(65));
      expect(res.status).toBe(204);
      const ended = await endRecording(session.id, recording.id);
      expect(ended.size_bytes).toBe(MAX_CHUNK_BYTES);
    });

    it.each(['abc', '-1', '1.5', '0x10', '1e3', '10000000000', '%20'])(
      'refuses chunk seq %j (400, naming seq)',
      async (seq) => {
        const session = await startSession();
        const recording = await startRecording(session.id);
        await problem(rawChunk(session.id, recording.id, seq, encode('x')), 400, 'seq');
      },
    );

    it('refuses a chunk that is not application/octet-stream (415)', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await problem(rawChunk(session.id, recording.id, '0', '{"a":1}', 'application/json'), 415);
      await problem(rawChunk(session.id, recording.id, '0', 'text', 'text/plain'), 415);
    });

    it('answers 404 for an unknown session or recording, or a recording of another session', async () => {
      const session = await startSession();
      const other = await startSession();
      const recording = await startRecording(session.id);
      const unknown = '0192f5a4-3b7e-7c1a-9d2e-5f8a1b2c3d4e';
      await problem(
        asProxy(`/sessions/${unknown}/recordings`, { method: 'POST', json: { format: 'asciicast-v2' } }),
        404,
      );
      await problem(rawChunk(unknown, recording.id, '0', encode('x')), 404);
      await problem(rawChunk(session.id, unknown, '0', encode('x')), 404);
      await problem(rawChunk(other.id, recording.id, '0', encode('x')), 404);
      await problem(asProxy(`/sessions/${other.id}/recordings/${recording.id}/end`, { method: 'POST' }), 404);
      await problem(getRecording(other.id, recording.id), 404);
      await problem(getRecording(session.id, unknown), 404);
      await problem(rawChunk('not-an-id', recording.id, '0', encode('x')), 400, 'session_id');
    });

    it('starts recordings of live sessions only, in a known format, once per Idempotency-Key', async () => {
      const session = await startSession();
      await problem(
        asProxy(`/sessions/${session.id}/recordings`, { method: 'POST', json: { format: 'mp4' } }),
        400,
        'format',
      );
      const first = await read(
        asProxy(`/sessions/${session.id}/recordings`, {
          method: 'POST',
          headers: { 'idempotency-key': 'rec-1' },
          json: { format: 'asciicast-v2', started_at: '2026-11-26T08:00:00.000Z' },
        }),
        201,
      );
      expect(first.started_at).toBe('2026-11-26T08:00:00.000Z');
      const again = await read(
        asProxy(`/sessions/${session.id}/recordings`, {
          method: 'POST',
          headers: { 'idempotency-key': 'rec-1' },
          json: { format: 'asciicast-v2', started_at: '2026-11-26T08:00:00.000Z' },
        }),
        201,
      );
      expect(again).toEqual(first);
      await read(asProxy(`/sessions/${session.id}`, { method: 'PATCH', json: { ended: true } }));
      await problem(
        asProxy(`/sessions/${session.id}/recordings`, { method: 'POST', json: { format: 'asciicast-v2' } }),
        409,
      );
      const audit = await read(owner('/audit?resource_type=recording'));
      expect(audit.items.map((e: Body) => [e.action, e.resource_id, e.actor])).toContainEqual([
        'recording.create',
        first.id,
        expect.stringMatching(/^proxy:/),
      ]);
    });

    it('keeps proxy and organization tokens apart: each side’s operations refuse the other’s token', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, encode('secret\n'));
      await problem(getRecording(session.id, recording.id, '', h.proxyToken), 403);
      await problem(owner(`/sessions/${session.id}/recordings`, { token: h.proxyToken }), 403);
      await problem(
        owner(`/proxy/sessions/${session.id}/recordings`, {
          method: 'POST',
          json: { format: 'asciicast-v2' },
        }),
        403,
      );
      await problem(
        owner(`/proxy/sessions/${session.id}/recordings/${recording.id}/chunks/1`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream' },
          ...({ body: encode('forged\n') } as object),
        }),
        403,
      );
      await problem(
        owner(`/proxy/sessions/${session.id}/recordings/${recording.id}/end`, { method: 'POST' }),
        403,
      );
      expect(await (await getRecording(session.id, recording.id)).text()).toBe('secret\n');
    });

    it('shows a member only their own sessions’ recordings', async () => {
      const secret = await personToken(h.services.db, orgId, 'member@acme.dev', 'member');
      const mine = await startSession('Member@acme.dev');
      const theirs = await startSession('someone@acme.dev');
      const myRecording = await startRecording(mine.id);
      const theirRecording = await startRecording(theirs.id);
      await putChunk(mine.id, myRecording.id, 0, encode('mine\n'));
      await putChunk(theirs.id, theirRecording.id, 0, encode('theirs\n'));

      const res = await getRecording(mine.id, myRecording.id, '', secret);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('mine\n');
      expect((await read(owner(`/sessions/${mine.id}/recordings`, { token: secret }))).items).toHaveLength(1);
      const refused = await problem(getRecording(theirs.id, theirRecording.id, '', secret), 404);
      expect(JSON.stringify(refused)).not.toContain('theirs\n');
      await problem(getRecording(theirs.id, theirRecording.id, '?follow=true', secret), 404);
      await problem(owner(`/sessions/${theirs.id}/recordings`, { token: secret }), 404);
      // A member's own session does not open another's recording by naming it.
      await problem(getRecording(mine.id, theirRecording.id, '', secret), 404);
    });

    it('never shows a recording to another organization', async () => {
      const session = await startSession();
      const recording = await startRecording(session.id);
      await putChunk(session.id, recording.id, 0, encode('acme only\n'));
      const other = await read(
        owner('/organizations', { method: 'POST', json: { name: `globex-${dialect}` } }),
        201,
      );
      for (const query of ['', '?follow=true']) {
        const res = await getRecording(session.id, recording.id, query, other.owner_token);
        const text = await res.text();
        expect(res.status, text).toBe(404);
        expect(text).not.toContain('acme only');
      }
      const list = await owner(`/sessions/${session.id}/recordings`, { token: other.owner_token });
      expect(list.status).toBe(404);
    });
  });
}

describe('the recording storage of a server', () => {
  const quiet = { port: 0, logger: pino({ level: 'silent' }), defaultMetrics: false };
  const dataDir = mkdtempSync(join(tmpdir(), 'border0-recordings-server-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A session of the bootstrapped organization with a recording, over real HTTP. */
  async function recordOne(url: string, proxyToken: string, ownerToken: string) {
    const call = async (path: string, init: RequestInit & { token: string }) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${init.token}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      });
      const text = await res.text();
      expect(res.ok, text).toBe(true);
      return text ? JSON.parse(text) : undefined;
    };
    const socket = await call('/sockets', {
      method: 'POST',
      token: ownerToken,
      body: JSON.stringify({
        name: 'cache',
        socket_type: 'tls',
        upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 6379 },
      }),
    });
    const session = await call('/proxy/sessions', {
      method: 'POST',
      token: proxyToken,
      body: JSON.stringify({ socket_id: socket.id, user_email: 'a@b.dev', result: 'allowed' }),
    });
    const recording = await call(`/proxy/sessions/${session.id}/recordings`, {
      method: 'POST',
      token: proxyToken,
      body: JSON.stringify({ format: 'asciicast-v2' }),
    });
    await call(`/proxy/sessions/${session.id}/recordings/${recording.id}/chunks/0`, {
      method: 'PUT',
      token: proxyToken,
      headers: { 'content-type': 'application/octet-stream' },
      body: asciicastHeaderLine({ version: 2, width: 80, height: 24 }),
    });
    return { sessionId: session.id as string, recordingId: recording.id as string };
  }

  it('keeps recordings in <dataDir>/recordings by default', { timeout: 60_000 }, async () => {
    const server = await startServer({ ...quiet, dataDir });
    try {
      const { sessionId, recordingId } = await recordOne(
        server.url,
        server.proxyToken!,
        server.bootstrap!.token,
      );
      expect(server.services.recordings).toBeInstanceOf(LocalDirectoryStorage);
      const orgs = readdirSync(join(dataDir, 'recordings'));
      expect(orgs).toHaveLength(1);
      expect(
        existsSync(join(dataDir, 'recordings', orgs[0]!, sessionId, recordingId, '0000000000.chunk')),
      ).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('keeps the recordings of an in-memory store in a temporary directory, removed on close; close ends followers', {
    timeout: 60_000,
  }, async () => {
    const server = await startServer({ ...quiet, dataDir: 'memory://' });
    const root = (server.services.recordings as LocalDirectoryStorage).root;
    let closed = false;
    try {
      expect(root.startsWith(tmpdir())).toBe(true);
      const { sessionId, recordingId } = await recordOne(
        server.url,
        server.proxyToken!,
        server.bootstrap!.token,
      );
      expect(existsSync(root)).toBe(true);
      const follow = await fetch(
        `${server.url}/api/v1/sessions/${sessionId}/recordings/${recordingId}?follow=true`,
        { headers: { authorization: `Bearer ${server.bootstrap!.token}` } },
      );
      expect(follow.status).toBe(200);
      const reader = follow.body!.getReader();
      await readUntil(reader, { text: '' }, (text) => text.includes('"version":2'));
      // The recording is live and stays so: closing the server must not wait for it.
      await server.close();
      closed = true;
      expect(await endsWithin(reader, 5000)).toBe(true);
      expect(existsSync(root)).toBe(false);
    } finally {
      if (!closed) await server.close();
    }
  });
});
