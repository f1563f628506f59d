/** Client ↔ channel piping over in-memory pairs: half-close, teardown on error, ordering. */
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bridgeDuplex } from './duplex-bridge.js';
import { duplexPair } from './duplex-pair.js';

/** Reads to the end without destroying the stream (for-await would, and cut the other direction). */
function readAll(stream: Duplex): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** client ⇄ [clientSide | bridge | upstreamSide] ⇄ upstream */
function bridged() {
  const [client, clientSide] = duplexPair();
  const [upstreamSide, upstream] = duplexPair();
  const closed = new Promise<Error | undefined>((resolve) => bridgeDuplex(clientSide, upstreamSide, resolve));
  return { client, upstream, clientSide, upstreamSide, closed };
}

describe('bridgeDuplex', () => {
  it('carries a half-close: the client ends, the upstream still answers, then both close', async () => {
    const { client, upstream, closed } = bridged();
    client.end('ping');
    expect(await readAll(upstream)).toBe('ping');
    upstream.end('pong');
    expect(await readAll(client)).toBe('pong');
    await expect(closed).resolves.toBeUndefined();
  });

  it('carries a half-close the other way: the upstream ends first, the client keeps sending', async () => {
    const { client, upstream, closed } = bridged();
    upstream.end('bye');
    expect(await readAll(client)).toBe('bye');
    const parts = Array.from({ length: 1024 }, (_, i) => `${i}:`.padEnd(1024, '.'));
    for (const part of parts) client.write(part);
    client.end();
    expect(await readAll(upstream)).toBe(parts.join(''));
    await expect(closed).resolves.toBeUndefined();
  });

  it('reports the close only once both directions are done, not at the first end', async () => {
    const { client, upstream, clientSide, upstreamSide, closed } = bridged();
    let reported = false;
    void closed.then(() => {
      reported = true;
    });
    const request = readAll(upstream);
    client.end('request');
    expect(await request).toBe('request');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported).toBe(false);
    expect(clientSide.destroyed || upstreamSide.destroyed).toBe(false);
    // The answer after the client's EOF: a megabyte, in order.
    const answer = Array.from({ length: 1024 }, (_, i) => `${i}:`.padEnd(1024, '#')).join('');
    const received = readAll(client);
    upstream.end(answer);
    expect(await received).toBe(answer);
    await closed;
    expect(reported).toBe(true);
  });

  it('tears both sides down when one fails, and reports the error', async () => {
    const { clientSide, upstreamSide, closed } = bridged();
    clientSide.destroy(new Error('connection reset'));
    await expect(closed).resolves.toMatchObject({ message: 'connection reset' });
    expect(upstreamSide.destroyed).toBe(true);
  });

  it('carries large writes in order', async () => {
    const { client, upstream } = bridged();
    const parts = Array.from({ length: 200 }, (_, i) => `${i}:`.padEnd(1024, '.'));
    for (const part of parts) client.write(part);
    client.end();
    expect(await readAll(upstream)).toBe(parts.join(''));
  });
});
