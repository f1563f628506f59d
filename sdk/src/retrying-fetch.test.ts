import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Border0AbortError, Border0NetworkError, Border0TimeoutError } from './border0-error.js';
import { retryingFetch, sendWithRetries } from './retrying-fetch.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real HTTP server on loopback answering with the given statuses in turn, recording what it saw. */
async function serve(statuses: number[], headers: Record<string, string> = {}) {
  const seen: { method: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', body });
      res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)]!, headers).end('{}');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, seen };
}

const fastFetch = retryingFetch((r) => fetch(r), { retries: 3, baseDelayMs: 1 });

describe('retryingFetch', () => {
  it('retries a GET on 503 until it succeeds', async () => {
    const { url, seen } = await serve([503, 503, 200]);
    const response = await fastFetch(new Request(url));
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it('gives up after the configured retries and returns the last answer', async () => {
    const { url, seen } = await serve([429]);
    const response = await fastFetch(new Request(url));
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(4);
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    const { url, seen } = await serve([503, 200]);
    const response = await fastFetch(new Request(url, { method: 'POST', body: '{"a":1}' }));
    expect(response.status).toBe(503);
    expect(seen).toHaveLength(1);
  });

  it('retries a POST with an Idempotency-Key, sending the same body each time', async () => {
    const { url, seen } = await serve([503, 201]);
    const request = new Request(url, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'idempotency-key': 'k1' },
    });
    expect((await fastFetch(request)).status).toBe(201);
    expect(seen.map((s) => s.body)).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('does not retry a 500', async () => {
    const { url, seen } = await serve([500, 200]);
    expect((await fastFetch(new Request(url))).status).toBe(500);
    expect(seen).toHaveLength(1);
  });

  it('waits as long as Retry-After asks, not the (1 ms) backoff', async () => {
    const { url, seen } = await serve([503, 200], { 'retry-after': '1' });
    const started = performance.now();
    expect((await fastFetch(new Request(url))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen).toHaveLength(2);
  });

  it('hands back an answer whose Retry-After is longer than the longest wait', async () => {
    const { url, seen } = await serve([429, 200], { 'retry-after': '120' });
    const response = await retryingFetch((r) => fetch(r), { baseDelayMs: 1, maxDelayMs: 2000 })(
      new Request(url),
    );
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(1);
  });

  it('raises a network error naming the URL when nothing answers', async () => {
    const { url } = await serve([200]);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(fastFetch(new Request(url))).rejects.toBeInstanceOf(Border0NetworkError);
    await expect(fastFetch(new Request(url))).rejects.toThrow(
      /cannot reach the Border0 API at http:\/\/127\.0\.0\.1/,
    );
  });
});

describe('sendWithRetries: timeouts and aborts', () => {
  /** A real listener that accepts connections and never answers, counting them. */
  async function silent() {
    const sockets: Socket[] = [];
    /** Requests received: fetch may open a spare connection that carries none. */
    const requests: string[] = [];
    const listener = createTcpServer((socket) => {
      sockets.push(socket);
      socket.once('data', (data) => requests.push(data.toString().split('\r\n')[0]!));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const close = () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        listener.close(() => resolve());
      });
    return { url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`, requests, close };
  }
  const realFetch = (r: Request) => fetch(r);

  it('fails an attempt that gets no answer in timeoutMs, retrying it when it may', async () => {
    const peer = await silent();
    try {
      const started = performance.now();
      const error = await sendWithRetries(realFetch, new Request(peer.url), {
        retryable: true,
        retry: { retries: 2, baseDelayMs: 1 },
        timeoutMs: 150,
      }).catch((e: unknown) => e);
      const took = performance.now() - started;
      expect(error).toBeInstanceOf(Border0TimeoutError);
      expect(error).toBeInstanceOf(Border0NetworkError);
      expect(error).toMatchObject({ status: 0, timeoutMs: 150 });
      expect(took).toBeGreaterThanOrEqual(3 * 150 - 20);
      expect(took).toBeLessThan(3000);
      expect(peer.requests).toHaveLength(3);
    } finally {
      await peer.close();
    }
  });

  it('sends a request that may not be repeated once, even when it times out', async () => {
    const peer = await silent();
    try {
      const request = new Request(peer.url, { method: 'POST', body: '{}' });
      const error = await sendWithRetries(realFetch, request, { retryable: false, timeoutMs: 100 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Border0TimeoutError);
      expect(peer.requests).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });

  it('ends at once when the caller aborts, with the reason as cause, and never retries it', async () => {
    const peer = await silent();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('enough')), 100);
      const started = performance.now();
      const error = await sendWithRetries(realFetch, new Request(peer.url, { signal: controller.signal }), {
        retryable: true,
        retry: { retries: 5, baseDelayMs: 1 },
      }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(Border0AbortError);
      expect((error as Error).cause).toMatchObject({ message: 'enough' });
      expect(peer.requests).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });
});

describe('timeoutMs bounds the wait for the headers only', () => {
  it('lets a body that streams longer than the timeout be read to its end', async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      setTimeout(() => res.end('last'), 300);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
    const response = await sendWithRetries((r) => fetch(r), new Request(url), {
      retryable: true,
      timeoutMs: 100,
    });
    expect(await response.text()).toBe('first last');
  });
});
