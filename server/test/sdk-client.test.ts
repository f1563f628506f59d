/**
 * @border0/sdk against the real app handler (its fetch injected): what the client repeats and what it never
 * does, the Idempotency-Key of a create retried after a lost answer, Retry-After, paginate, the typed errors
 * of each problem, and read-modify-write with If-Match. Lost answers and a gateway's 503 are made by small
 * fetch wrappers around the app, as a reset connection or a load balancer would make them.
 */
import { type AddressInfo, createServer } from 'node:net';
import {
  Border0AbortError,
  type Border0Client,
  Border0ConflictError,
  Border0Error,
  Border0ForbiddenError,
  Border0NetworkError,
  Border0NotFoundError,
  Border0PreconditionFailedError,
  Border0RateLimitedError,
  Border0ServerError,
  Border0UnauthorizedError,
  Border0ValidationError,
  type ClientOptions,
  createClient,
} from '@border0/sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { approvedDeviceCode, pollToken } from './support/device-login.js';

type Fetch = (request: Request) => Promise<Response>;

/** Every request the app saw, as `METHOD /path` with its Idempotency-Key. */
interface Seen {
  call: string;
  key: string | null;
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness('pglite');
});
afterAll(() => h?.close());

/** The app's fetch, recording what reaches it. */
function appFetch(seen: Seen[] = []): Fetch {
  return async (request) => {
    const url = new URL(request.url);
    seen.push({ call: `${request.method} ${url.pathname}`, key: request.headers.get('idempotency-key') });
    return h.app.fetch(request);
  };
}

/** Runs the first `count` requests on the app, then throws as a connection reset before the answer would. */
function losingAnswers(inner: Fetch, count = 1): Fetch {
  let lost = 0;
  return async (request) => {
    const response = await inner(request);
    if (lost >= count) return response;
    lost += 1;
    await response.body?.cancel();
    throw new TypeError('fetch failed', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
  };
}

/** A load balancer in front of the app that answers the first `count` requests itself with `status`. */
function gateway(inner: Fetch, status: number, headers: Record<string, string> = {}, count = 1): Fetch {
  let answered = 0;
  return async (request) => {
    if (answered >= count) return inner(request);
    answered += 1;
    return new Response('<html>unavailable</html>', {
      status,
      headers: { 'content-type': 'text/html', ...headers },
    });
  };
}

const client = (fetch: Fetch, options: ClientOptions = {}): Border0Client =>
  createClient({ baseUrl: 'http://test', token: h.ownerToken, fetch, retry: { baseDelayMs: 1 }, ...options });

const calls = (seen: Seen[], call: string) => seen.filter((s) => s.call === call);

const httpSocket = (name: string) => ({
  name,
  socket_type: 'http' as const,
  upstream_configuration: { type: 'http' as const, hostname: '127.0.0.1', port: 8080 },
});

describe('retries of creates', () => {
  it('creates once when the answer of a create is lost and the SDK retries it', async () => {
    const seen: Seen[] = [];
    const b0 = client(losingAnswers(appFetch(seen)));
    const created = await b0.post('/api/v1/tokens', { body: { name: 'lost-answer', role: 'read_only' } });
    const posts = calls(seen, 'POST /api/v1/tokens');
    // Sent twice, with one key: the server ran the first and replayed it for the second.
    expect(posts).toHaveLength(2);
    expect(posts[0]!.key).toMatch(/\S/);
    expect(posts[1]!.key).toBe(posts[0]!.key);
    const named = (await b0.get('/api/v1/tokens', { params: { query: { limit: 200 } } })).items.filter(
      (t) => t.name === 'lost-answer',
    );
    expect(named.map((t) => t.id)).toEqual([created.id]);
    // The replayed secret is the one that works.
    const me = createClient({ baseUrl: 'http://test', token: created.token, fetch: appFetch() });
    await expect(me.get('/api/v1/sockets')).resolves.toMatchObject({ items: expect.any(Array) });
  });

  it('answers a socket created once when its answer is lost, not a conflict with itself', async () => {
    const b0 = client(losingAnswers(appFetch()));
    const socket = await b0.post('/api/v1/sockets', { body: httpSocket('lost-answer') });
    expect(socket.name).toBe('lost-answer');
  });

  it('takes the key a caller gives, so that a create is repeated across calls', async () => {
    const b0 = client(appFetch());
    const body = { name: 'given-key', role: 'read_only' as const };
    const first = await b0.post('/api/v1/tokens', { body, idempotencyKey: 'given-key-1' });
    const again = await b0.post('/api/v1/tokens', { body, idempotencyKey: 'given-key-1' });
    expect(again.id).toBe(first.id);
    const other = await b0
      .post('/api/v1/tokens', { body: { ...body, name: 'other' }, idempotencyKey: 'given-key-1' })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Border0ValidationError);
    expect(other).toMatchObject({ status: 422, type: '/problems/idempotency-mismatch' });
  });

  it('sends a one-time action once, without a key, whatever went wrong', async () => {
    const seen: Seen[] = [];
    const b0 = client(losingAnswers(appFetch(seen)), { token: '' });
    const error = await b0.post('/api/v1/auth/device', { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Border0NetworkError);
    expect(calls(seen, 'POST /api/v1/auth/device')).toEqual([
      { call: 'POST /api/v1/auth/device', key: null },
    ]);
  });
});

describe('device token refresh', () => {
  it('is never sent twice: not after a lost answer, not after a 503', async () => {
    const code = await approvedDeviceCode(h.app.fetch, `owner@${h.orgName}.dev`, h.ownerPassword);
    const tokens = (await (await pollToken(h.app.fetch, code)).json()) as { refresh_token: string };
    const refresh = { grant_type: 'refresh_token' as const, refresh_token: tokens.refresh_token };

    const seen: Seen[] = [];
    const lost = await client(losingAnswers(appFetch(seen)), { token: '' })
      .post('/api/v1/auth/token', { body: refresh })
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Border0NetworkError);
    expect(calls(seen, 'POST /api/v1/auth/token')).toHaveLength(1);

    const unavailable = await client(gateway(appFetch(seen), 503), { token: '' })
      .post('/api/v1/auth/token', { body: refresh })
      .catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(Border0ServerError);
    // The gateway answered; nothing more reached the app.
    expect(calls(seen, 'POST /api/v1/auth/token')).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('waits as long as a 503 asks before the retry', async () => {
    const seen: Seen[] = [];
    // Without Retry-After the retry would come within a few milliseconds (baseDelayMs 1).
    const b0 = client(gateway(appFetch(seen), 503, { 'retry-after': '1' }));
    const started = performance.now();
    await b0.get('/api/v1/sockets');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(4000);
    expect(calls(seen, 'GET /api/v1/sockets')).toHaveLength(1);
  });

  it('hands a wait longer than the client waits to the caller, with retryAfter', async () => {
    const b0 = client(gateway(appFetch(), 429, { 'retry-after': '30' }), { retry: { maxDelayMs: 1000 } });
    const started = performance.now();
    const error = await b0.get('/api/v1/sockets').catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(Border0RateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfter: 30 });
  });

  it('is what the app answers when device logins come too fast: a rate limited error', async () => {
    const seen: Seen[] = [];
    // As @hono/node-server passes it: the client's address, which the rate limit counts by.
    const fromAddress: Fetch = async (request) => {
      seen.push({ call: 'address', key: null });
      return h.app.fetch(request, { incoming: { socket: { remoteAddress: '10.20.30.40' } } });
    };
    const b0 = client(fromAddress, { token: '' });
    let error: unknown;
    for (let i = 0; i < 20 && !error; i++) {
      error = await b0.post('/api/v1/auth/device', { body: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(Border0RateLimitedError);
    expect((error as Border0RateLimitedError).retryAfter).toBeGreaterThanOrEqual(1);
    expect((error as Border0RateLimitedError).retryAfter).toBeLessThanOrEqual(60);
    // One request per call: the refused one-time POST was not repeated.
    expect(seen).toHaveLength(11);
  });
});

describe('retry options', () => {
  it('retries a GET per the client, and not at all when a call says retry: false', async () => {
    const seen: Seen[] = [];
    const b0 = client(gateway(appFetch(seen), 503, {}, 2));
    await b0.get('/api/v1/groups');
    expect(calls(seen, 'GET /api/v1/groups')).toHaveLength(1);
    const once = client(gateway(appFetch(seen), 503));
    await expect(once.get('/api/v1/groups', { retry: false })).rejects.toBeInstanceOf(Border0ServerError);
    const few = client(gateway(appFetch(seen), 503, {}, 3), { retry: { retries: 1, baseDelayMs: 1 } });
    await expect(few.get('/api/v1/groups')).rejects.toBeInstanceOf(Border0ServerError);
    await expect(few.get('/api/v1/groups', { retry: { retries: 5, baseDelayMs: 1 } })).resolves.toBeDefined();
  });
});

describe('paginate', () => {
  it('walks every page exactly once', async () => {
    const b0 = client(appFetch());
    const names = Array.from({ length: 7 }, (_, i) => `paged-${i}`);
    for (const name of names)
      await b0.post('/api/v1/sockets', { body: { ...httpSocket(name), tags: { set: 'paged' } } });
    const seen: Seen[] = [];
    const paging = client(appFetch(seen));
    const walked: string[] = [];
    for await (const socket of paging.paginate('/api/v1/sockets', {
      params: { query: { tag: 'set:paged', limit: 3 } },
    })) {
      walked.push(socket.name);
    }
    expect(walked.sort()).toEqual(names);
    // 3 + 3 + 1: three pages, each fetched once.
    expect(calls(seen, 'GET /api/v1/sockets')).toHaveLength(3);
  });

  it('walks a nested list too: a service account’s tokens', async () => {
    const b0 = client(appFetch());
    await b0.post('/api/v1/service-accounts', { body: { name: 'paged-robot', role: 'read_only' } });
    const path = { service_account: 'paged-robot' };
    for (let i = 0; i < 3; i++) {
      await b0.post('/api/v1/service-accounts/{service_account}/tokens', {
        params: { path },
        body: { name: `t${i}` },
      });
    }
    const names: string[] = [];
    for await (const token of b0.paginate('/api/v1/service-accounts/{service_account}/tokens', {
      params: { path, query: { limit: 1 } },
    })) {
      names.push(token.name);
    }
    expect(names.sort()).toEqual(['t0', 't1', 't2']);
  });
});

describe('typed errors', () => {
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );

  it('raises one subclass per problem, each a Border0Error with its status', async () => {
    const b0 = client(appFetch());
    await b0.post('/api/v1/sockets', { body: httpSocket('typed') });
    const readOnly = await b0.post('/api/v1/tokens', { body: { name: 'typed-reader', role: 'read_only' } });
    const reader = client(appFetch(), { token: readOnly.token });
    const socket = { params: { path: { socket: 'typed' } } };

    const invalid = await failure(
      b0.post('/api/v1/sockets', { body: { ...httpSocket('typed-2'), name: 'No Spaces' } }),
    );
    expect(invalid).toBeInstanceOf(Border0ValidationError);
    expect((invalid as Border0ValidationError).errors.map((e) => e.field)).toEqual(['name']);

    const cases: [Promise<unknown>, new (...args: never[]) => Border0Error, number][] = [
      [client(appFetch(), { token: 'b0_nope' }).get('/api/v1/sockets'), Border0UnauthorizedError, 401],
      [reader.post('/api/v1/sockets', { body: httpSocket('typed-3') }), Border0ForbiddenError, 403],
      [
        b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'nope' } } }),
        Border0NotFoundError,
        404,
      ],
      [b0.post('/api/v1/sockets', { body: httpSocket('typed') }), Border0ConflictError, 409],
      [
        b0.patch('/api/v1/sockets/{socket}', {
          ...socket,
          headers: { 'if-match': '"99"' },
          body: { description: 'x' },
        }),
        Border0PreconditionFailedError,
        412,
      ],
    ];
    for (const [call, Class, status] of cases) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(Class);
      expect(error).toBeInstanceOf(Border0Error);
      expect(error).toMatchObject({ status, requestId: expect.any(String) });
    }
  });

  it('raises a server error for a 500 of the app', async () => {
    const broken = await createHarness('pglite', 'broken');
    try {
      await sql`drop table sockets cascade`.execute(broken.services.db);
      const b0 = createClient({
        baseUrl: 'http://test',
        token: broken.ownerToken,
        fetch: async (r) => broken.app.fetch(r),
        retry: { baseDelayMs: 1 },
      });
      const error = await failure(b0.get('/api/v1/sockets'));
      expect(error).toBeInstanceOf(Border0ServerError);
      expect(error).toMatchObject({ status: 500, type: '/problems/internal' });
    } finally {
      await broken.close();
    }
  });

  it('raises a network error, status 0, when nothing listens', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise((resolve) => free.close(resolve));
    const b0 = createClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: 'x',
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const error = await failure(b0.get('/api/v1/sockets'));
    expect(error).toBeInstanceOf(Border0NetworkError);
    expect(error).toBeInstanceOf(Border0Error);
    expect(error).toMatchObject({ status: 0 });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('raises an abort error when the caller aborts, also while waiting to retry', async () => {
    const b0 = client(gateway(appFetch(), 503, { 'retry-after': '3' }));
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 100);
    const error = await failure(b0.get('/api/v1/sockets', { signal: controller.signal }));
    expect(error).toBeInstanceOf(Border0AbortError);
    expect((error as Error).cause).toMatchObject({ message: 'user pressed ^C' });
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('modify: read-modify-write with If-Match', () => {
  it('changes what the function returns, and nothing when it returns undefined', async () => {
    const b0 = client(appFetch());
    await b0.post('/api/v1/sockets', { body: { ...httpSocket('modified'), tags: { team: 'web' } } });
    const params = { path: { socket: 'modified' } };
    const updated = await b0.modify('/api/v1/sockets/{socket}', { params }, (s) => ({
      tags: { ...s.tags, env: 'prod' },
    }));
    expect(updated.tags).toEqual({ team: 'web', env: 'prod' });
    const same = await b0.modify('/api/v1/sockets/{socket}', { params }, () => undefined);
    expect(same).toEqual(updated);
  });

  it('reads again and re-applies the change when someone changed it meanwhile, when asked', async () => {
    const seen: Seen[] = [];
    const b0 = client(appFetch(seen));
    await b0.post('/api/v1/sockets', { body: { ...httpSocket('raced'), tags: { a: '1' } } });
    const params = { path: { socket: 'raced' } };
    const other = client(appFetch());
    let applied = 0;
    const addB = async (s: { tags: Record<string, string> }) => {
      applied += 1;
      // Another admin changes the same field between our read and our write, the first time only.
      if (applied === 1)
        await other.patch('/api/v1/sockets/{socket}', { params, body: { tags: { ...s.tags, c: '3' } } });
      return { tags: { ...s.tags, b: '2' } };
    };
    const refused = await b0.modify('/api/v1/sockets/{socket}', { params }, addB).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Border0PreconditionFailedError);
    expect((await b0.get('/api/v1/sockets/{socket}', { params })).tags).toEqual({ a: '1', c: '3' });

    applied = 0;
    await other.patch('/api/v1/sockets/{socket}', { params, body: { tags: { a: '1' } } });
    const merged = await b0.modify('/api/v1/sockets/{socket}', { params, conflictRetries: 2 }, addB);
    expect(applied).toBe(2);
    // Neither change is lost: the If-Match refused the stale write, and the retry re-read.
    expect(merged.tags).toEqual({ a: '1', b: '2', c: '3' });
  });
});
