import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';

describe('duplexPair', () => {
  it('delivers on a later tick, never within the write: a peer answering at once cannot re-enter the writer', async () => {
    const [a, b] = duplexPair();
    const seen: string[] = [];
    b.on('data', (chunk: Buffer) => seen.push(`data ${chunk}`));
    a.write('one');
    seen.push('written');
    a.write('two');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['written', 'data one', 'data two']);
    expect([a.bytesWritten, b.bytesRead]).toEqual([6, 6]);
  });

  it('holds the writer back while the reader does not read, and lets it go on when it does', async () => {
    const [a, b] = duplexPair();
    const piece = Buffer.alloc(1024, 1);
    let writable = true;
    let written = 0;
    while (writable && written < 1024 * 1024) {
      writable = a.write(piece);
      written += piece.length;
    }
    await new Promise((resolve) => setImmediate(resolve));
    // Bounded: the reader's buffer and the writer's, not everything that was offered.
    expect(writable).toBe(false);
    expect(written).toBeLessThan(64 * 1024);
    expect(b.readableLength).toBeLessThanOrEqual(b.readableHighWaterMark + piece.length);
    const drained = new Promise((resolve) => a.once('drain', resolve));
    let read = 0;
    b.on('data', (chunk: Buffer) => {
      read += chunk.length;
    });
    await drained;
    a.end();
    await new Promise((resolve) => b.once('end', resolve));
    expect(read).toBe(written);
  });

  it('ends the peer after what it was sent, on end and on destroy', async () => {
    for (const close of ['end', 'destroy'] as const) {
      const [a, b] = duplexPair();
      const chunks: Buffer[] = [];
      b.on('data', (chunk: Buffer) => chunks.push(chunk));
      a.write('last words');
      if (close === 'end') a.end();
      else a.destroy();
      await new Promise((resolve) => b.once('end', resolve));
      expect(Buffer.concat(chunks).toString()).toBe('last words');
    }
  });
});
