import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Border0NetworkError } from './border0-error.js';
import { retryingFetch } from './retrying-fetch.js';

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

  it('honours Retry-After', async () => {
    const { url, seen } = await serve([503, 200], { 'retry-after': '0' });
    expect((await fastFetch(new Request(url))).status).toBe(200);
    expect(seen).toHaveLength(2);
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
