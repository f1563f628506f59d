/**
 * The API's HTTP server over real sockets on loopback: an oversize body's 413 reaches the client (no reset),
 * slow or idle clients are cut off in bounded time, bytes the store cannot hold cannot come in headers, and
 * metrics are served only on the operations address.
 */
import http from 'node:http';
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/app.js';
import { DRAIN_BYTES } from '../src/platform/http/body-limit.js';
import { DEFAULT_HTTP_TIMEOUTS, listen } from '../src/platform/http/node-listener.js';
import { type ServerHandle, startServer } from '../src/server.js';

const quiet = { dataDir: 'memory://', port: 0, logger: pino({ level: 'silent' }), defaultMetrics: false };

interface Answer {
  status?: number;
  type?: string;
  connection?: string;
  requestId?: string;
  body?: string;
  error?: string;
}

/** Posts `size` bytes of JSON-ish body with node:http, as a client would; `chunked` drops the Content-Length. */
function postLarge(
  url: string,
  token: string,
  size: number,
  options: { chunked?: boolean; paced?: boolean; agent?: http.Agent | false } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = {};
    const req = http.request(
      `${url}/api/v1/sockets`,
      {
        method: 'POST',
        agent: options.agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...(options.chunked ? {} : { 'content-length': size }),
        },
      },
      (res) => {
        answer.status = res.statusCode;
        answer.type = res.headers['content-type'];
        answer.connection = res.headers.connection;
        answer.requestId = res.headers['x-request-id'] as string | undefined;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ ...answer, body }));
        res.on('error', (e) => resolve({ ...answer, error: (e as NodeJS.ErrnoException).code ?? e.message }));
      },
    );
    req.on('error', (e) => resolve({ ...answer, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const step = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', step);
        if (options.paced) return void setImmediate(step);
      }
      req.end();
    };
    step();
  });
}

/** Resolves with the milliseconds until the server closes `socket`; rejects past `deadlineMs`. */
function closedWithin(socket: net.Socket, deadlineMs: number, started = Date.now()): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Closed from here, so that a server that never closes it can still shut down after the test.
      socket.destroy();
      reject(new Error(`still open after ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => {});
    socket.resume();
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends raw bytes as one request (with `Connection: close`) and reads the whole answer until the server closes
 * the connection. The socket is not ended: Node's server drops a request whose client half-closed first.
 */
async function rawExchange(port: number, request: Buffer): Promise<string> {
  const socket = await connect(port);
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  const closed = closedWithin(socket, 10_000);
  socket.write(request);
  await closed;
  return Buffer.concat(chunks).toString('latin1');
}

describe('the API server over real sockets', () => {
  let server: ServerHandle;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ ...quiet, metricsListen: '127.0.0.1:0' });
    token = server.bootstrap!.token;
  });
  afterAll(() => server?.close());

  describe('an oversize body', () => {
    const size = 2 * 1024 * 1024;

    it('gets its 413 to the client, with or without Content-Length, fast or paced, on kept-alive connections', {
      timeout: 120_000,
    }, async () => {
      expect(size).toBeGreaterThan(MAX_BODY_BYTES);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (const chunked of [false, true]) {
          for (const paced of [false, true]) {
            for (let i = 0; i < 4; i++) {
              const answer = await postLarge(server.url, token, size, { chunked, paced, agent });
              const label = `chunked=${chunked} paced=${paced} #${i}: ${JSON.stringify(answer).slice(0, 200)}`;
              expect(answer.error, label).toBeUndefined();
              expect(answer.status, label).toBe(413);
              expect(answer.type, label).toBe('application/problem+json');
              expect(answer.connection, label).toBe('close');
              expect(JSON.parse(answer.body!).request_id).toBe(answer.requestId);
              expect(JSON.parse(answer.body!).type).toBe('/problems/payload-too-large');
            }
          }
        }
      } finally {
        agent.destroy();
      }
    });

    it('gets its 413 on fresh connections, and the server goes on serving', { timeout: 60_000 }, async () => {
      for (let i = 0; i < 4; i++) {
        const answer = await postLarge(server.url, token, size, { agent: false, chunked: i % 2 === 1 });
        expect(answer, JSON.stringify(answer).slice(0, 200)).toMatchObject({ status: 413 });
        expect(answer.error).toBeUndefined();
      }
      const after = await fetch(`${server.url}/api/v1/sockets`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(after.status).toBe(200);
    });

    it('gets its 413 before the server gives up draining a body far past the drain bound', {
      timeout: 60_000,
    }, async () => {
      const answer = await postLarge(server.url, token, DRAIN_BYTES * 4, { agent: false });
      expect(answer.status, JSON.stringify(answer).slice(0, 200)).toBe(413);
    });
  });

  describe('headers that reach the store', () => {
    const request = (headerLine: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `POST /api/v1/groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n',
        ),
        headerLine,
        Buffer.from('\r\n\r\n{"name":"hdrs"}'),
      ]);
    const groups = async () =>
      (
        (await (
          await fetch(`${server.url}/api/v1/groups`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as {
          items: { name: string }[];
        }
      ).items.map((g) => g.name);

    it('cannot carry NUL: the HTTP parser refuses the request before the API sees it', async () => {
      for (const name of ['Idempotency-Key', 'If-Match', 'X-Request-Id']) {
        const answer = await rawExchange(server.port, request(Buffer.from(`${name}: a\u0000b`, 'latin1')));
        expect(answer, name).toMatch(/^HTTP\/1\.1 400 /);
      }
      expect(await groups()).not.toContain('hdrs');
    });

    it('reads other bytes, a surrogate’s WTF-8 form included, as Latin-1, which the store holds', async () => {
      const line = Buffer.concat([Buffer.from('Idempotency-Key: k-'), Buffer.from([0xed, 0xa0, 0x80, 0xff])]);
      const first = await rawExchange(server.port, request(line));
      expect(first).toMatch(/^HTTP\/1\.1 201 /);
      const again = await rawExchange(server.port, request(line));
      expect(again).toMatch(/^HTTP\/1\.1 201 /);
      expect(again.split('\r\n\r\n')[1]).toBe(first.split('\r\n\r\n')[1]);
    });
  });

  describe('metrics', () => {
    it('are not served on the API address, with or without a token', async () => {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const res = await fetch(`${server.url}/metrics`, { headers });
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('border0_http_requests_total');
      }
    });

    it('are served on the operations address, counting API requests, with health', async () => {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.metricsUrl).not.toBe(server.url);
      await fetch(`${server.url}/api/v1/sockets`, { headers: { authorization: `Bearer ${token}` } });
      const res = await fetch(`${server.metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(
        /border0_http_requests_total\{method="GET",route="\/api\/v1\/sockets",status="200"\} \d+/,
      );
      expect(await (await fetch(`${server.metricsUrl}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${server.metricsUrl}/readyz`)).json()).toEqual({ status: 'ready' });
      expect((await fetch(`${server.metricsUrl}/api/v1/sockets`)).status).toBe(404);
    });
  });
});

describe('slow and idle clients', () => {
  const timeouts = { headersMs: 500, requestMs: 1_500, keepAliveMs: 500 };
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ ...quiet, httpTimeouts: timeouts });
  });
  afterAll(() => server?.close());

  /** Generous for a loaded machine, far below what an unbounded server would hold (Node's default is 300 s). */
  const DEADLINE_MS = 8_000;

  it('closes a connection that sent half a request line', async () => {
    const socket = await connect(server.port);
    const started = Date.now();
    socket.write('GET /api/v1/heal');
    const ms = await closedWithin(socket, DEADLINE_MS, started);
    expect(ms).toBeGreaterThanOrEqual(timeouts.headersMs - 50);
  });

  it('closes a connection whose headers trickle in, however steadily', async () => {
    const socket = await connect(server.port);
    const started = Date.now();
    const text = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Pad: y\r\n'.repeat(100)}\r\n`;
    let i = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && i < text.length) socket.write(text[i++]!);
    }, 20);
    try {
      const ms = await closedWithin(socket, DEADLINE_MS, started);
      expect(i, 'the headers never completed').toBeLessThan(text.length);
      expect(ms).toBeGreaterThanOrEqual(timeouts.headersMs - 50);
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a connection whose body trickles in past the request timeout', async () => {
    const socket = await connect(server.port);
    const started = Date.now();
    socket.write(
      'POST /api/v1/auth/revoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 50);
    try {
      const ms = await closedWithin(socket, DEADLINE_MS, started);
      expect(ms).toBeGreaterThanOrEqual(timeouts.requestMs - 50);
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes an idle kept-alive connection after the keep-alive timeout', async () => {
    const socket = await connect(server.port);
    const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered;
    // Node (20) holds an idle connection a second past keepAliveTimeout, to lose fewer races with clients.
    const ms = await closedWithin(socket, DEADLINE_MS);
    expect(ms).toBeGreaterThanOrEqual(timeouts.keepAliveMs - 50);
    expect(ms).toBeLessThan(timeouts.keepAliveMs + 1_000 + 2_000);
  });

  it('still serves a client that is not slow', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('has no operations address unless asked for one', async () => {
    expect(server.metricsUrl).toBeUndefined();
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});

describe('listener defaults', () => {
  it('bound an unfinished request header to 10 s, the request to 60 s, an idle connection to 5 s', async () => {
    expect(DEFAULT_HTTP_TIMEOUTS).toEqual({ headersMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000 });
    const listener = await listen(() => new Response('ok'), { host: '127.0.0.1', port: 0 });
    try {
      expect(listener.server.headersTimeout).toBe(10_000);
      expect(listener.server.requestTimeout).toBe(60_000);
      expect(listener.server.keepAliveTimeout).toBe(5_000);
    } finally {
      await listener.close();
    }
  });

  it('closes within seconds even while a request never finishes: its connection is cut', async () => {
    let arrived!: () => void;
    const started = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const listener = await listen(
      () => {
        arrived();
        return new Promise<Response>(() => {});
      },
      { host: '127.0.0.1', port: 0 },
    );
    const answer = fetch(listener.url).then(
      () => 'answered',
      () => 'cut',
    );
    await started;
    const begun = Date.now();
    await listener.close();
    expect(Date.now() - begun).toBeLessThan(8_000);
    expect(await answer).toBe('cut');
  }, 20_000);

  it('refuses a headers timeout longer than the request timeout', async () => {
    await expect(
      listen(
        () => new Response('ok'),
        { host: '127.0.0.1', port: 0 },
        { headersMs: 5_000, requestMs: 1_000 },
      ),
    ).rejects.toThrow(/must not exceed/);
  });
});
